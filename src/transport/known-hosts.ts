import { createHash, createHmac } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { readKnownHosts } from './ssh-files.js';
import { globToRegExp } from '../util/glob.js';
import { dirname } from 'node:path';

/** One usable line of an OpenSSH known_hosts file. */
interface KnownHostLine {
  patterns: string;
  keyType: string;
  key: Buffer;
  revoked: boolean;
}

export type HostKeyVerdict =
  | { kind: 'match' }
  | { kind: 'unknown' }
  | { kind: 'changed'; knownFingerprints: string[] }
  | { kind: 'revoked' };

/**
 * The name ssh looks up and records: lowercased, as ssh(1) does before it reads known_hosts (a
 * hashed entry never matches a name with capitals), and a non-default port as `[host]:port`.
 */
export function knownHostsName(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type is the first length-prefixed string of the SSH wire encoding. */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const length = key.readUInt32BE(0);
  return key.subarray(4, 4 + length).toString('latin1');
}

function parseLines(text: string): KnownHostLine[] {
  const lines: KnownHostLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let revoked = false;
    if (fields[0]?.startsWith('@')) {
      // @cert-authority lines describe CAs, not host keys: lbprov does not do certificates.
      if (fields[0] !== '@revoked') continue;
      revoked = true;
      fields.shift();
    }
    const [patterns, keyType, keyBase64] = fields;
    if (!patterns || !keyType || !keyBase64) continue;
    lines.push({ patterns, keyType, key: Buffer.from(keyBase64, 'base64'), revoked });
  }
  return lines;
}

function patternsMatch(patterns: string, name: string): boolean {
  if (patterns.startsWith('|1|')) {
    const [, , salt, hash] = patterns.split('|');
    if (!salt || !hash) return false;
    const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return digest === hash;
  }
  let matched = false;
  for (const pattern of patterns.split(',')) {
    if (pattern.startsWith('!')) {
      if (patternMatches(pattern.slice(1), name)) return false;
    } else if (patternMatches(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

const NOT_ASCII = /[^\p{ASCII}]/u;

/**
 * One pattern against the name, ignoring case. Most lines name one host without wildcards: those
 * are compared as text, not compiled into a RegExp on every lookup (each host of a run looks up its
 * name in every line). ASCII only, where lowercasing and the RegExp's case folding agree.
 */
function patternMatches(pattern: string, name: string): boolean {
  if (!/[*?]/.test(pattern) && !NOT_ASCII.test(pattern) && !NOT_ASCII.test(name)) {
    return pattern.toLowerCase() === name.toLowerCase();
  }
  return globToRegExp(pattern, { ignoreCase: true }).test(name);
}

/** What a known_hosts file says about one host. */
export class KnownHosts {
  private constructor(
    readonly file: string,
    private readonly lines: KnownHostLine[],
  ) {}

  static async load(file: string): Promise<KnownHosts> {
    return new KnownHosts(file, parseLines(await readKnownHosts(file)));
  }

  /** Key types recorded for the host: the connection offers only these, so a match is possible. */
  keyTypesFor(name: string): string[] {
    return [...new Set(this.entriesFor(name).map((line) => line.keyType))];
  }

  verify(name: string, key: Buffer): HostKeyVerdict {
    const entries = this.entriesFor(name);
    if (
      this.lines.some((line) => line.revoked && line.key.equals(key) && patternsMatch(line.patterns, name))
    ) {
      return { kind: 'revoked' };
    }
    if (entries.length === 0) return { kind: 'unknown' };
    if (entries.some((line) => line.key.equals(key))) return { kind: 'match' };
    return { kind: 'changed', knownFingerprints: entries.map((line) => fingerprint(line.key)) };
  }

  /** accept-new: records a first-seen key the way `ssh -o StrictHostKeyChecking=accept-new` would. */
  async record(name: string, key: Buffer): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    // A last line without its newline would swallow the new entry (and corrupt its own key).
    const before = await readKnownHosts(this.file);
    const start = before === '' || before.endsWith('\n') ? '' : '\n';
    await appendFile(this.file, `${start}${name} ${keyTypeOf(key)} ${key.toString('base64')}\n`, {
      mode: 0o600,
    });
    this.lines.push({ patterns: name, keyType: keyTypeOf(key), key, revoked: false });
  }

  private entriesFor(name: string): KnownHostLine[] {
    return this.lines.filter((line) => !line.revoked && patternsMatch(line.patterns, name));
  }
}

/** ssh2 algorithm names that produce each known_hosts key type. */
export function hostKeyAlgorithmsFor(keyTypes: string[]): string[] {
  const algorithms: string[] = [];
  for (const type of keyTypes) {
    if (type === 'ssh-rsa') algorithms.push('rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa');
    else algorithms.push(type);
  }
  return algorithms;
}
