/**
 * Replaces every known secret with a fixed mask in any text lbprov prints or records.
 * Masking happens where output leaves the engine (events, errors), so a step that forgets to mark
 * something sensitive still cannot leak a registered secret.
 */
export const MASK = '********';

export class SecretMasker {
  private readonly secrets = new Set<string>();

  /** Registers a secret; empty and one-character strings would mask ordinary text, so they are refused. */
  add(secret: string): void {
    if (secret.length < 2) {
      throw new Error('a secret of fewer than 2 characters cannot be masked reliably in output');
    }
    this.secrets.add(secret);
  }

  mask(text: string): string {
    let masked = text;
    // Longest first, so a secret containing another is masked whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
      masked = masked.split(secret).join(MASK);
    }
    return masked;
  }

  /** Masks every string inside a JSON-like value (events carry nested diffs and outputs). */
  maskDeep<T>(value: T): T {
    if (typeof value === 'string') return this.mask(value) as T;
    if (Array.isArray(value)) return value.map((item) => this.maskDeep(item)) as T;
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[key] = this.maskDeep(item);
      return out as T;
    }
    return value;
  }
}
