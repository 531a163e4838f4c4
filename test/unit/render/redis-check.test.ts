import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { renderRedisCheck, renderRedisCheckPassword } from '../../../src/render/redis-check.js';
import { expectGolden } from './golden.js';
import { writeExecutable } from './shell-run.js';

const execFileAsync = promisify(execFile);

interface Verdict {
  status: number;
  stderr: string;
}

/** Runs the check without blocking the event loop: the fake servers below answer from this process. */
async function check(path: string, ...args: string[]): Promise<Verdict> {
  try {
    await execFileAsync(path, args);
    return { status: 0, stderr: '' };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { status: failed.code, stderr: failed.stderr };
  }
}

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

/** A redis-server of its own on 127.0.0.1:<port>, in its own folder, ended by its PID. */
class LocalRedis {
  dir = '';
  private child: ChildProcess | undefined;
  constructor(readonly port: number) {}

  start(...options: string[]): void {
    if (this.dir === '') this.dir = mkdtempSync(join(tmpdir(), 'lbprov-redis-check-'));
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', ...options],
      { stdio: 'ignore' },
    );
  }

  /** redis-cli against this server; `args` are one command. */
  cli(...args: string[]): string {
    return spawnSync('redis-cli', ['-p', String(this.port), ...args], { encoding: 'utf8' }).stdout.trim();
  }

  async until(what: string, test: () => boolean): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (test()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect.fail(`redis on ${this.port}: ${what} did not happen`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  cleanup(): void {
    if (this.dir !== '') rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A TCP listener on 127.0.0.1 that does `onConnection` with every client (a Redis that misbehaves). */
async function fakeServer(onConnection: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return { server, port: address.port };
}

describe('renderRedisCheck', () => {
  it('matches the golden file', () => expectGolden('redis-check.sh', renderRedisCheck()));

  it('parses as bash', () => {
    const result = spawnSync('bash', ['-n', writeExecutable('redis-check', renderRedisCheck())], {
      encoding: 'utf8',
    });
    expect(result.stderr).to.equal('');
  });

  it('writes the password file as the password alone on its line', () => {
    expect(renderRedisCheckPassword('s3cret-Pw')).to.equal('s3cret-Pw\n');
  });

  it('refuses wrong arguments with exit code 2', async () => {
    const path = writeExecutable('redis-check', renderRedisCheck());
    for (const args of [
      [],
      ['127.0.0.1'],
      ['127.0.0.1', 'x'],
      ['127.0.0.1', '6379', 'leader'],
      ['-t', '0', 'h', '1'],
    ]) {
      const verdict = await check(path, ...args);
      expect(verdict.status, args.join(' ')).to.equal(2);
    }
  });

  describe('against misbehaving listeners', () => {
    const path = writeExecutable('redis-check', renderRedisCheck(join(tmpdir(), 'lbprov-no-such-password')));
    const servers: Server[] = [];
    afterEach(() => servers.splice(0).forEach((server) => server.close()));

    it('reports a listener that accepts and says nothing within its time limit', async () => {
      const sockets: Socket[] = [];
      const { server, port } = await fakeServer((socket) => sockets.push(socket));
      servers.push(server);
      const verdict = await check(path, '-t', '1', '127.0.0.1', String(port));
      sockets.forEach((socket) => socket.destroy());
      expect(verdict).to.deep.equal({
        status: 1,
        stderr: `redis-check 127.0.0.1:${port}: no answer within 1s\n`,
      });
    });

    it('reports a connection closed before any answer', async () => {
      const { server, port } = await fakeServer((socket) => socket.end());
      servers.push(server);
      const verdict = await check(path, '127.0.0.1', String(port));
      expect(verdict.status).to.equal(1);
      expect(verdict.stderr).to.match(/connection closed without an answer/);
    });

    it('reports any error reply to PING by its code only', async () => {
      const { server, port } = await fakeServer((socket) => socket.end('-ERR something about s3cret\r\n'));
      servers.push(server);
      const verdict = await check(path, '127.0.0.1', String(port));
      expect(verdict).to.deep.equal({
        status: 1,
        stderr: `redis-check 127.0.0.1:${port}: PING answered ERR\n`,
      });
    });
  });

  describe('against a real redis-server on 127.0.0.1', function () {
    this.timeout(30_000);
    // Made in `before`: with --grep, mocha runs this body but no hook, and would leave them behind.
    let dir = '';
    let passwordFile = '';
    let path = '';
    const primary = new LocalRedis(16481);
    const replica = new LocalRedis(16482);
    const closed = 16483;

    before(function () {
      if (!hasRedisServer) {
        // lab/install-deps.sh installs it, so CI proves these; a workstation without it cannot.
        console.log('    NOT PROVABLE here: redis-server is absent (apt-get install redis-server)');
        this.skip();
      }
      dir = mkdtempSync(join(tmpdir(), 'lbprov-redis-check-pw-'));
      passwordFile = join(dir, 'password');
      path = writeExecutable('redis-check', renderRedisCheck(passwordFile));
    });
    afterEach(() => {
      if (passwordFile !== '') rmSync(passwordFile, { force: true });
    });
    after(async () => {
      await replica.stop();
      await primary.stop();
      [primary, replica].forEach((redis) => redis.cleanup());
      if (dir !== '') rmSync(dir, { recursive: true, force: true });
    });

    it('passes a primary with no role asked, and with role master; fails it as a replica', async () => {
      primary.start();
      await primary.until('PONG', () => primary.cli('PING') === 'PONG');
      expect(await check(path, '127.0.0.1', '16481')).to.deep.equal({ status: 0, stderr: '' });
      expect(await check(path, '127.0.0.1', '16481', 'master')).to.deep.equal({ status: 0, stderr: '' });
      expect(await check(path, '127.0.0.1', '16481', 'replica')).to.deep.equal({
        status: 1,
        stderr: 'redis-check 127.0.0.1:16481: role is master, not a replica\n',
      });
    });

    it('passes a replica in sync as replica, fails it as master, and fails it once its primary is gone', async () => {
      replica.start('--replicaof', '127.0.0.1', '16481');
      await replica.until('link up', () =>
        replica.cli('INFO', 'replication').includes('master_link_status:up'),
      );
      expect(await check(path, '127.0.0.1', '16482', 'replica')).to.deep.equal({ status: 0, stderr: '' });
      expect((await check(path, '127.0.0.1', '16482', 'master')).stderr).to.equal(
        'redis-check 127.0.0.1:16482: role is slave, not master\n',
      );

      await primary.stop();
      await replica.until('link down', () =>
        replica.cli('INFO', 'replication').includes('master_link_status:down'),
      );
      expect(await check(path, '127.0.0.1', '16482', 'replica')).to.deep.equal({
        status: 1,
        stderr: "redis-check 127.0.0.1:16482: replica's link to its primary is down, not up\n",
      });
      // Without a role it answers PING (replica-serve-stale-data yes): only the role check sees it.
      expect((await check(path, '127.0.0.1', '16482')).status).to.equal(0);
      await replica.stop();
    });

    it('fails a closed port', async () => {
      expect(await check(path, '127.0.0.1', String(closed))).to.deep.equal({
        status: 1,
        stderr: `redis-check 127.0.0.1:${closed}: connection refused or host unreachable\n`,
      });
    });

    it('fails a Redis that is loading its dataset, and passes it once loaded', async () => {
      // A dataset saved, then loaded slowly (key-load-delay, in microseconds per key), with Redis
      // answering clients between small chunks of the file, as it does for a big dataset.
      primary.start('--enable-debug-command', 'local');
      await primary.until('PONG', () => primary.cli('PING') === 'PONG');
      primary.cli('DEBUG', 'POPULATE', '2000');
      expect(primary.cli('SAVE')).to.equal('OK');
      await primary.stop();
      primary.start('--key-load-delay', '2000', '--loading-process-events-interval-bytes', '1024');
      await primary.until('LOADING', () => primary.cli('PING').startsWith('LOADING'));
      expect(await check(path, '127.0.0.1', '16481')).to.deep.equal({
        status: 1,
        stderr: 'redis-check 127.0.0.1:16481: Redis is loading its dataset into memory\n',
      });
      await primary.until('loaded', () => primary.cli('PING') === 'PONG');
      expect((await check(path, '127.0.0.1', '16481', 'master')).status).to.equal(0);
      await primary.stop();
      rmSync(join(primary.dir, 'dump.rdb'));
    });

    it('authenticates with the password file, and tells a wrong or missing password apart', async () => {
      primary.start('--requirepass', 'right-Pw-1');
      await primary.until('NOAUTH', () => primary.cli('PING').startsWith('NOAUTH'));

      writeFileSync(passwordFile, renderRedisCheckPassword('right-Pw-1'), { mode: 0o600 });
      expect(await check(path, '127.0.0.1', '16481', 'master')).to.deep.equal({ status: 0, stderr: '' });

      writeFileSync(passwordFile, renderRedisCheckPassword('wrong-Pw-2'), { mode: 0o600 });
      const wrong = await check(path, '127.0.0.1', '16481', 'master');
      expect(wrong).to.deep.equal({
        status: 1,
        stderr: `redis-check 127.0.0.1:16481: Redis refused the password in ${passwordFile}\n`,
      });

      rmSync(passwordFile);
      expect(await check(path, '127.0.0.1', '16481')).to.deep.equal({
        status: 1,
        stderr: `redis-check 127.0.0.1:16481: Redis asks for a password and ${passwordFile} does not exist (redis.password)\n`,
      });
      await primary.stop();
    });

    it('passes a Redis that asks for no password when the password file exists', async () => {
      // The order of an apply that adds redis.password: a real server's Redis may still run
      // without one when the director's file is there; it serves clients, so it stays in the pool.
      primary.start();
      await primary.until('PONG', () => primary.cli('PING') === 'PONG');
      writeFileSync(passwordFile, renderRedisCheckPassword('unneeded-Pw-3'), { mode: 0o600 });
      expect(await check(path, '127.0.0.1', '16481', 'master')).to.deep.equal({ status: 0, stderr: '' });
      await primary.stop();
    });

    it('never shows the password in what it prints', async () => {
      primary.start('--requirepass', 'right-Pw-1');
      await primary.until('NOAUTH', () => primary.cli('PING').startsWith('NOAUTH'));
      writeFileSync(passwordFile, renderRedisCheckPassword('wrong-Pw-2'), { mode: 0o600 });
      const verdict = await check(path, '-t', '2', '127.0.0.1', '16481', 'replica');
      expect(verdict.status).to.equal(1);
      expect(verdict.stderr).not.to.include('wrong-Pw-2');
      await primary.stop();
    });
  });
});
