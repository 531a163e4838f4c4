import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  fingerprint,
  hostKeyAlgorithmsFor,
  keyTypeOf,
  KnownHosts,
  knownHostsName,
  type HostKeyVerdict,
} from '../../../src/transport/known-hosts.js';

/** An SSH wire-format public key blob: string type, then a body (not a real key; only bytes are compared). */
function key(type: string, seed: string): Buffer {
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  return Buffer.concat([field(Buffer.from(type)), field(createHash('sha256').update(seed).digest())]);
}

const A = key('ssh-ed25519', 'A');
const B = key('ssh-ed25519', 'B');
const RSA = key('ssh-rsa', 'R');
const line = (patterns: string, blob: Buffer) => `${patterns} ${keyTypeOf(blob)} ${blob.toString('base64')}`;
const hashed = (name: string, salt = Buffer.from('0123456789abcdef0123')) =>
  `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;

let dir: string;
before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'lbprov-known-hosts-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
async function knownHosts(lines: string[]): Promise<KnownHosts> {
  const file = path.join(dir, `known_hosts_${(counter += 1)}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return KnownHosts.load(file);
}

const rows: { name: string; lines: string[]; host: string; key: Buffer; verdict: HostKeyVerdict }[] = [
  {
    name: 'plain name, same key',
    lines: [line('lb1.example.com', A)],
    host: 'lb1.example.com',
    key: A,
    verdict: { kind: 'match' },
  },
  {
    name: 'plain name, another key: changed, with the known fingerprint',
    lines: [line('lb1.example.com', A)],
    host: 'lb1.example.com',
    key: B,
    verdict: { kind: 'changed', knownFingerprints: [fingerprint(A)] },
  },
  {
    name: 'a host not listed: unknown',
    lines: [line('lb1.example.com', A)],
    host: 'lb2.example.com',
    key: A,
    verdict: { kind: 'unknown' },
  },
  { name: 'an empty file: unknown', lines: [], host: 'lb1', key: A, verdict: { kind: 'unknown' } },
  {
    name: 'a name and an address on one line',
    lines: [line('lb1,10.0.0.10', A)],
    host: '10.0.0.10',
    key: A,
    verdict: { kind: 'match' },
  },
  {
    name: 'a hashed name (|1|salt|hash)',
    lines: [`${hashed('10.0.0.10')} ssh-ed25519 ${A.toString('base64')}`],
    host: '10.0.0.10',
    key: A,
    verdict: { kind: 'match' },
  },
  {
    name: 'a hashed name of another host: unknown',
    lines: [`${hashed('10.0.0.11')} ssh-ed25519 ${A.toString('base64')}`],
    host: '10.0.0.10',
    key: A,
    verdict: { kind: 'unknown' },
  },
  {
    name: 'a hashed name, another key: changed',
    lines: [`${hashed('10.0.0.10')} ssh-ed25519 ${A.toString('base64')}`],
    host: '10.0.0.10',
    key: B,
    verdict: { kind: 'changed', knownFingerprints: [fingerprint(A)] },
  },
  {
    name: '[host]:port for a non-default port',
    lines: [line('[10.0.0.10]:2222', A)],
    host: knownHostsName('10.0.0.10', 2222),
    key: A,
    verdict: { kind: 'match' },
  },
  {
    name: 'a port-22 entry does not vouch for port 2222',
    lines: [line('10.0.0.10', A)],
    host: knownHostsName('10.0.0.10', 2222),
    key: A,
    verdict: { kind: 'unknown' },
  },
  {
    name: 'a hashed [host]:port',
    lines: [`${hashed('[10.0.0.10]:2222')} ssh-ed25519 ${A.toString('base64')}`],
    host: knownHostsName('10.0.0.10', 2222),
    key: A,
    verdict: { kind: 'match' },
  },
  {
    name: 'a wildcard',
    lines: [line('*.example.com', A)],
    host: 'lb1.example.com',
    key: A,
    verdict: { kind: 'match' },
  },
  {
    name: 'a wildcard does not match the bare domain',
    lines: [line('*.example.com', A)],
    host: 'example.com',
    key: A,
    verdict: { kind: 'unknown' },
  },
  {
    name: '? matches one character',
    lines: [line('lb?.example.com', A)],
    host: 'lb1.example.com',
    key: A,
    verdict: { kind: 'match' },
  },
  {
    name: '? does not match two',
    lines: [line('lb?.example.com', A)],
    host: 'lb10.example.com',
    key: A,
    verdict: { kind: 'unknown' },
  },
  {
    name: 'dots are literal',
    lines: [line('10.0.0.1', A)],
    host: '10a0b0c1',
    key: A,
    verdict: { kind: 'unknown' },
  },
  {
    name: 'names compare without case',
    lines: [line('LB1.Example.COM', A)],
    host: 'lb1.example.com',
    key: A,
    verdict: { kind: 'match' },
  },
  {
    name: 'a [host]:port entry matches that port only, brackets and all',
    lines: [line('[lb1]:2222', A)],
    host: '[lb1]:2222',
    key: A,
    verdict: { kind: 'match' },
  },
  {
    name: 'a [host]:port entry does not cover the host on port 22',
    lines: [line('[lb1]:2222', A)],
    host: 'lb1',
    key: A,
    verdict: { kind: 'unknown' },
  },
  {
    name: 'a negated pattern excludes a host the wildcard matches',
    lines: [line('*.example.com,!bad.example.com', A)],
    host: 'bad.example.com',
    key: A,
    verdict: { kind: 'unknown' },
  },
  {
    name: 'a negated pattern leaves the others matched',
    lines: [line('*.example.com,!bad.example.com', A)],
    host: 'good.example.com',
    key: A,
    verdict: { kind: 'match' },
  },
  {
    name: 'a negation alone matches nothing',
    lines: [line('!bad.example.com', A)],
    host: 'good.example.com',
    key: A,
    verdict: { kind: 'unknown' },
  },
  {
    name: '@revoked wins over a matching line with the same key',
    lines: [line('lb1', A), `@revoked ${line('lb1', A)}`],
    host: 'lb1',
    key: A,
    verdict: { kind: 'revoked' },
  },
  {
    name: '@revoked for a wildcard covers the host',
    lines: [`@revoked ${line('*', A)}`, line('lb1', A)],
    host: 'lb1',
    key: A,
    verdict: { kind: 'revoked' },
  },
  {
    name: '@revoked of another key does not touch the host key',
    lines: [`@revoked ${line('lb1', B)}`, line('lb1', A)],
    host: 'lb1',
    key: A,
    verdict: { kind: 'match' },
  },
  {
    name: 'a revoked key is not a known key: the host is unknown without another line',
    lines: [`@revoked ${line('lb1', A)}`],
    host: 'lb1',
    key: B,
    verdict: { kind: 'unknown' },
  },
  {
    name: '@cert-authority lines are not host keys',
    lines: [`@cert-authority ${line('*.example.com', A)}`],
    host: 'lb1.example.com',
    key: A,
    verdict: { kind: 'unknown' },
  },
  {
    name: 'comments, blank lines and broken lines are skipped',
    lines: ['# lab hosts', '', '   ', 'lb1 ssh-ed25519', line('lb1', A)],
    host: 'lb1',
    key: A,
    verdict: { kind: 'match' },
  },
  {
    name: 'two key types for a host: either matches',
    lines: [line('lb1', RSA), line('lb1', A)],
    host: 'lb1',
    key: RSA,
    verdict: { kind: 'match' },
  },
  {
    name: 'two known keys, a third offered: changed, both fingerprints shown',
    lines: [line('lb1', RSA), line('lb1', A)],
    host: 'lb1',
    key: B,
    verdict: { kind: 'changed', knownFingerprints: [fingerprint(RSA), fingerprint(A)] },
  },
];

describe('transport: known_hosts', () => {
  describe('verify', () => {
    for (const row of rows) {
      it(row.name, async () =>
        expect((await knownHosts(row.lines)).verify(row.host, row.key)).to.deep.equal(row.verdict),
      );
    }

    it('a missing file: every host unknown', async () => {
      const hosts = await KnownHosts.load(path.join(dir, 'no-such-dir', 'known_hosts'));
      expect(hosts.verify('lb1', A)).to.deep.equal({ kind: 'unknown' });
    });
  });

  describe('keyTypesFor: only the types known for the host are offered', () => {
    it('both types of a host, none of another, none revoked', async () => {
      const hosts = await knownHosts([
        line('lb1', RSA),
        line('lb1', A),
        line('lb2', B),
        `@revoked ${line('lb1', key('ecdsa-sha2-nistp256', 'E'))}`,
      ]);
      expect(hosts.keyTypesFor('lb1')).to.deep.equal(['ssh-rsa', 'ssh-ed25519']);
      expect(hosts.keyTypesFor('lb3')).to.deep.equal([]);
      expect(hostKeyAlgorithmsFor(['ssh-rsa', 'ssh-ed25519'])).to.deep.equal([
        'rsa-sha2-512',
        'rsa-sha2-256',
        'ssh-rsa',
        'ssh-ed25519',
      ]);
    });
  });

  describe('record (accept-new)', () => {
    it('into a missing folder: creates it, appends an OpenSSH line, 0600; found again after a reload', async () => {
      const file = path.join(dir, 'new', 'ssh', 'known_hosts');
      const hosts = await KnownHosts.load(file);
      await hosts.record('10.0.0.10', A);
      expect(readFileSync(file, 'utf8')).to.equal(`10.0.0.10 ssh-ed25519 ${A.toString('base64')}\n`);
      expect(statSync(file).mode & 0o777).to.equal(0o600);
      expect(hosts.verify('10.0.0.10', A)).to.deep.equal({ kind: 'match' });
      expect((await KnownHosts.load(file)).verify('10.0.0.10', A)).to.deep.equal({ kind: 'match' });
    });

    it('a non-default port is recorded as [host]:port', async () => {
      const file = path.join(dir, 'port_known_hosts');
      const hosts = await KnownHosts.load(file);
      await hosts.record(knownHostsName('10.0.0.10', 2222), A);
      expect(readFileSync(file, 'utf8')).to.equal(`[10.0.0.10]:2222 ssh-ed25519 ${A.toString('base64')}\n`);
      expect((await KnownHosts.load(file)).verify('10.0.0.10', A)).to.deep.equal({ kind: 'unknown' });
    });

    it('appended to a file whose last line has no newline: both hosts still verify', async () => {
      const file = path.join(dir, 'no_newline_known_hosts');
      writeFileSync(file, line('lb1', A));
      await (await KnownHosts.load(file)).record('lb2', B);
      const reloaded = await KnownHosts.load(file);
      expect(reloaded.verify('lb1', A)).to.deep.equal({ kind: 'match' });
      expect(reloaded.verify('lb2', B)).to.deep.equal({ kind: 'match' });
    });

    it('the recorded line is one OpenSSH reads (ssh-keygen -F finds it, with the same fingerprint)', async () => {
      const keyFile = path.join(dir, 'id_test');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
      const [, base64 = ''] = readFileSync(`${keyFile}.pub`, 'utf8').split(' ');
      const blob = Buffer.from(base64, 'base64');
      const file = path.join(dir, 'openssh_known_hosts');
      await (await KnownHosts.load(file)).record('[lb1.example.com]:2222', blob);
      const found = execFileSync('ssh-keygen', ['-F', '[lb1.example.com]:2222', '-f', file], {
        encoding: 'utf8',
      });
      expect(found).to.include(`ssh-ed25519 ${base64}`);
      const listed = execFileSync('ssh-keygen', ['-l', '-f', `${keyFile}.pub`], { encoding: 'utf8' });
      expect(listed).to.include(fingerprint(blob));
      expect(keyTypeOf(blob)).to.equal('ssh-ed25519');
    });

    it('a host written with capitals finds its hashed entry, as ssh does (it lowercases before the lookup)', async () => {
      const file = path.join(dir, 'hashed_known_hosts');
      writeFileSync(file, `${line('lb1.example.com', A)}\n${line('[lb2.example.com]:2222', B)}\n`);
      execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
      const hosts = await KnownHosts.load(file);
      for (const [written, port, blob] of [
        ['LB1.Example.COM', 22, A],
        ['Lb2.EXAMPLE.com', 2222, B],
      ] as const) {
        const name = knownHostsName(written, port);
        expect(hosts.verify(name, blob), written).to.deep.equal({ kind: 'match' });
        // The line ssh-keygen finds for the name ssh would look up is the one lbprov matched.
        const found = execFileSync('ssh-keygen', ['-F', name, '-f', file], { encoding: 'utf8' });
        expect(found, written).to.include(blob.toString('base64'));
        expect(hosts.verify(name, blob === A ? B : A), written).to.have.property('kind', 'changed');
      }
    });

    it('a file hashed by ssh-keygen -H verifies', async () => {
      const file = path.join(dir, 'hashed_known_hosts');
      writeFileSync(file, `${line('lb1.example.com', A)}\n${line('[10.0.0.10]:2222', B)}\n`);
      execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
      expect(readFileSync(file, 'utf8')).to.match(/^\|1\|/);
      const hosts = await KnownHosts.load(file);
      expect(hosts.verify('lb1.example.com', A)).to.deep.equal({ kind: 'match' });
      expect(hosts.verify(knownHostsName('10.0.0.10', 2222), B)).to.deep.equal({ kind: 'match' });
      expect(hosts.verify('lb2.example.com', A)).to.deep.equal({ kind: 'unknown' });
    });
  });
});
