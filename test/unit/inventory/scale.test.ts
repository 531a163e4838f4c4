// Validation grows with the input, not with its square: an inventory with tens of thousands of
// unknown keys is answered in about the time it takes to print them. Measured as a ratio between two
// sizes in one run (a wall-clock bound would depend on the machine).
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { validateInventoryText } from '../../../src/inventory/index.js';

const BASE = readFileSync(new URL('../../fixtures/inventories/base.yaml', import.meta.url), 'utf8');

function withUnknownKeys(count: number): string {
  const lines = Array.from({ length: count }, (_, i) => `unknown_key_${i}: ${i}`);
  return `${BASE}\n${lines.join('\n')}\n`;
}

function bestOf(runs: number, text: string): number {
  let best = Infinity;
  for (let i = 0; i < runs; i += 1) {
    const started = process.hrtime.bigint();
    const result = validateInventoryText(text, 'inventory.yaml', {});
    best = Math.min(best, Number(process.hrtime.bigint() - started));
    expect(result.errors.length).to.be.greaterThan(0);
  }
  return best;
}

describe('inventory validation at scale', function () {
  this.timeout(120_000);

  it('ten times the unknown keys costs about ten times as much, not a hundred (2,000 -> 20,000 keys)', () => {
    const small = withUnknownKeys(2_000);
    const large = withUnknownKeys(20_000);
    bestOf(2, small); // warm up the JIT
    const ratio = bestOf(3, large) / bestOf(3, small);
    console.log(`      20,000 / 2,000 unknown keys: ${ratio.toFixed(1)} x the time`);
    expect(ratio).to.be.below(30);
    const result = validateInventoryText(large, 'inventory.yaml', {});
    expect(result.errors).to.have.length(20_000);
    const lastLine = large.split('\n').findIndex((l) => l.startsWith('unknown_key_19999:')) + 1;
    expect(result.errors.at(-1)).to.include({ path: 'unknown_key_19999', line: lastLine });
  });

  it('deep nesting is "too deeply nested" at its line, whether the parser copes (100 levels) or not (20,000)', () => {
    for (const depth of [100, 20_000]) {
      const text = `${BASE}extra:\n  deep: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
      const result = validateInventoryText(text, 'inventory.yaml', {});
      expect(result.errors, String(depth)).to.have.length(1);
      expect(result.errors[0]!.message).to.equal(
        'YAML syntax: too deeply nested: an inventory has at most 64 levels',
      );
      expect(result.errors[0]!.line).to.equal(text.split('\n').length - 1);
    }
  });

  it('names a duplicate key and where it is repeated', () => {
    const text = BASE.replace('advert_int: 1', 'advert_int: 1\n  advert_int: 2');
    const result = validateInventoryText(text, 'inventory.yaml', {});
    const line = text.split('\n').findIndex((l) => l.includes('advert_int: 2')) + 1;
    expect(result.errors).to.have.length(1);
    expect(result.errors[0]).to.include({
      line,
      message: 'YAML syntax: duplicate key "advert_int": each key may appear once in a mapping',
    });
  });
});
