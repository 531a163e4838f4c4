import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlDownloads, runAction, type Built } from '../../../src/engine/actions.js';
import {
  packScript,
  parsePackOutput,
  SharedBuilds,
  unpackScript,
  type BuildArtifact,
} from '../../../src/engine/shared-builds.js';
import { buildPlatformFact } from '../../../src/facts/platform.js';
import type { Action } from '../../../src/steps/types.js';
import type { ExecResult } from '../../../src/transport/types.js';
import { FakeHost } from './fake-transport.js';

const DEBIAN_12 = 'debian 12 x86_64 glibc 2.36';
const BINARY = '/usr/local/keepalived/sbin/keepalived';
const VERSION_LINE = 'Keepalived v2.2.7 (01/16,2022)';

const buildAction: Extract<Action, { kind: 'build' }> = {
  kind: 'build',
  subject: 'keepalived 2.2.7',
  steps: [
    { kind: 'shell', description: 'keepalived 2.2.7: configure', script: 'cd /src && ./configure' },
    { kind: 'shell', description: 'keepalived 2.2.7: make', script: 'cd /src && make' },
    { kind: 'shell', description: 'keepalived 2.2.7: make install', script: 'cd /src && make install' },
  ],
  verify: {
    command: `${BINARY} -v 2>&1`,
    expect: [
      { pattern: '^Keepalived v2\\.2\\.7 ', meaning: 'the installed keepalived is not version 2.2.7' },
    ],
  },
  installedPaths: ['/usr/local/keepalived'],
  binary: BINARY,
};

const ARCHIVE = Buffer.from('a packed build');
const SHA = 'a'.repeat(64);

/**
 * A director in memory: it answers the platform probe, "runs" build commands (recording them),
 * packs a fixed archive, and unpacks into an installed program whose version it is told.
 */
class BuildHost extends FakeHost {
  readonly commands: string[] = [];
  readonly uploads: { path: string; content: Buffer }[] = [];

  constructor(
    host: string,
    platform: string,
    private readonly unpacked: { version: string; sha256: string } = { version: VERSION_LINE, sha256: SHA },
  ) {
    super(host, [buildPlatformFact], { [buildPlatformFact.key]: { output: `${platform}\n`, code: 0 } });
  }

  override async exec(script: string): Promise<ExecResult> {
    if (script.includes('__lbprov_')) return super.exec(script);
    this.commands.push(script);
    const ok = (stdout: string): ExecResult => ({ code: 0, stdout, stderr: '' });
    if (script.includes('lbprov-archive-base64')) {
      return ok(`lbprov-binary-sha256=${SHA}\nlbprov-archive-base64\n${ARCHIVE.toString('base64')}\n`);
    }
    if (script.includes('-xzf')) return ok('');
    if (script.startsWith(buildAction.verify.command)) {
      return ok(`${this.unpacked.version}\nlbprov-binary-sha256=${this.unpacked.sha256}\n`);
    }
    if (script.includes('sha256sum')) return ok(`lbprov-binary-sha256=${SHA}\n`);
    return ok(script.includes('configure') ? 'Use IPVS Framework : Yes\n' : '');
  }

  override async upload(path: string, content: Buffer): Promise<void> {
    this.uploads.push({ path, content });
  }

  /** The build's own commands this host ran. */
  get built(): string[] {
    return this.commands.filter((script) => buildAction.steps.some((step) => step.script === script));
  }
}

function apply(host: BuildHost, builds: SharedBuilds): Promise<Built> {
  return runAction(buildAction, {
    transport: host,
    downloads: new ControlDownloads(),
    builds,
    needsBackup: () => false,
  }) as Promise<Built>;
}

describe('compile once: a build shared between the hosts of one platform', () => {
  it('the first host compiles; the next one of its platform unpacks that build and checks it, compiling nothing', async () => {
    const builds = new SharedBuilds();
    const lb2 = new BuildHost('lb2', DEBIAN_12);
    const lb1 = new BuildHost('lb1', DEBIAN_12);
    const first = await apply(lb2, builds);
    const second = await apply(lb1, builds);
    expect(lb2.built).to.have.length(3);
    expect(first).to.deep.include({ builtOn: 'lb2', sha256: SHA, binary: BINARY });
    expect(lb1.built).to.deep.equal([]);
    expect(lb1.uploads.map((upload) => upload.content.toString())).to.deep.equal([ARCHIVE.toString()]);
    expect(second).to.deep.include({ builtOn: 'lb2', sha256: SHA, subject: 'keepalived 2.2.7' });
  });

  it('a host of another platform (release, architecture or C library) compiles its own', async () => {
    const builds = new SharedBuilds();
    const lb2 = new BuildHost('lb2', DEBIAN_12);
    const lb1 = new BuildHost('lb1', 'debian 11 x86_64 glibc 2.31');
    await apply(lb2, builds);
    const second = await apply(lb1, builds);
    expect(lb1.built).to.have.length(3);
    expect(lb1.uploads).to.deep.equal([]);
    expect(second.builtOn).to.equal('lb1');
  });

  it('a host that cannot say its platform shares nothing: it compiles, and packs nothing for others', async () => {
    const builds = new SharedBuilds();
    const odd = new BuildHost('odd', 'unknown unknown x86_64 libc-unknown');
    const result = await apply(odd, builds);
    expect(odd.built).to.have.length(3);
    expect(odd.commands.some((script) => script.includes('lbprov-archive-base64'))).to.equal(false);
    expect(result.builtOn).to.equal('odd');
  });

  it('a shipped build its check refuses is not kept: the host compiles and says why', async () => {
    const builds = new SharedBuilds();
    await apply(new BuildHost('lb2', DEBIAN_12), builds);
    const lb1 = new BuildHost('lb1', DEBIAN_12, { version: 'Keepalived v2.2.8 (x)', sha256: SHA });
    const result = await apply(lb1, builds);
    expect(lb1.built).to.have.length(3);
    expect(result).to.deep.include({
      builtOn: 'lb1',
      notUsed: 'the installed keepalived is not version 2.2.7',
    });
  });

  it('a shipped build whose program differs after unpacking is not kept', async () => {
    const builds = new SharedBuilds();
    await apply(new BuildHost('lb2', DEBIAN_12), builds);
    const lb1 = new BuildHost('lb1', DEBIAN_12, { version: VERSION_LINE, sha256: 'b'.repeat(64) });
    const result = await apply(lb1, builds);
    expect(lb1.built).to.have.length(3);
    expect(result.notUsed).to.equal(`${BINARY} differs from the one built`);
  });
});

describe('SharedBuilds: one build per key at a time', () => {
  const artifact: BuildArtifact = { builtOn: 'lb2', archive: ARCHIVE, binarySha256: SHA };

  it('a host that finds the build under way waits for it instead of compiling too', async () => {
    const builds = new SharedBuilds();
    const first = await builds.claim('k');
    const waiting = builds.claim('k');
    expect(first).to.have.property('finish');
    (first as { finish(a?: BuildArtifact): void }).finish(artifact);
    expect(await waiting).to.deep.equal({ artifact });
  });

  it('when the build fails, exactly one waiting host compiles next; the others wait for that one', async () => {
    const builds = new SharedBuilds();
    const first = (await builds.claim('k')) as { finish(a?: BuildArtifact): void };
    const second = builds.claim('k');
    const third = builds.claim('k');
    first.finish(undefined);
    const next = (await second) as { finish(a?: BuildArtifact): void };
    expect(next).to.have.property('finish');
    next.finish(artifact);
    expect(await third).to.deep.equal({ artifact });
  });

  it('the key tells platforms and build commands apart', () => {
    const key = SharedBuilds.key(['make'], DEBIAN_12);
    expect(SharedBuilds.key(['make'], DEBIAN_12)).to.equal(key);
    expect(SharedBuilds.key(['make'], 'debian 12 aarch64 glibc 2.36')).to.not.equal(key);
    expect(SharedBuilds.key(['make -j2'], DEBIAN_12)).to.not.equal(key);
  });
});

describe('pack and unpack scripts, run by a real shell', () => {
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'lbprov-pack-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('what a build installed comes back byte for byte, and the binary checksum is the program’s', () => {
    const prefix = join(work, 'keepalived');
    const binary = join(prefix, 'sbin', 'keepalived');
    mkdirSync(join(prefix, 'sbin'), { recursive: true });
    mkdirSync(join(prefix, 'share', 'man'), { recursive: true });
    writeFileSync(binary, 'ELF pretend program', { mode: 0o755 });
    writeFileSync(join(prefix, 'share', 'man', 'keepalived.8'), 'manual');
    const manual = join(work, 'ipvsadm.8');
    writeFileSync(manual, 'second path');

    const packed = parsePackOutput(
      execFileSync('bash', ['-c', packScript([prefix, manual], binary)], { maxBuffer: 1 << 26 }).toString(),
    );
    expect(packed?.binarySha256).to.equal(createHash('sha256').update('ELF pretend program').digest('hex'));

    rmSync(prefix, { recursive: true });
    rmSync(manual);
    const staged = join(work, 'staged.tar.gz');
    writeFileSync(staged, packed!.archive);
    execFileSync('bash', ['-c', unpackScript(staged)]);
    expect(readFileSync(binary, 'utf8')).to.equal('ELF pretend program');
    expect(readFileSync(join(prefix, 'share', 'man', 'keepalived.8'), 'utf8')).to.equal('manual');
    expect(readFileSync(manual, 'utf8')).to.equal('second path');
    expect(existsSync(staged)).to.equal(false);
  });

  it('output without the checksum or the archive is not taken for a build', () => {
    expect(parsePackOutput('lbprov-archive-base64\nAAAA\n')).to.equal(undefined);
    expect(parsePackOutput(`lbprov-binary-sha256=${SHA}\n`)).to.equal(undefined);
    expect(parsePackOutput(`lbprov-binary-sha256=${SHA}\nlbprov-archive-base64\n\n`)).to.equal(undefined);
  });
});
