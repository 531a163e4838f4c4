import { expect } from 'chai';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { fieldProblem, fields, unverifiedSourceProblem } from '../../../src/inventory/index.js';
import { buildOnce, REPO, runLbprov } from '../inventory/run-cli.js';
import { tempDir } from '../../support/temp-dir.js';
import { PtySession } from './pty-session.js';

const KEEPALIVED_SHA256 = 'ab'.repeat(32);
const IPVSADM_SHA256 = 'CD'.repeat(32);

/** Each prompt as the user sees it, and what a user who accepts most defaults types. */
const ANSWERS: [prompt: string, answer: string][] = [
  ['Virtual IP with prefix length', '10.8.80.200/24'],
  ['Network interface', 'ens192'],
  ['virtual_router_id', '77'],
  ['MASTER director address', '10.8.80.218'],
  ['MASTER priority', ''],
  ['BACKUP director address', '10.8.80.217'],
  ['BACKUP priority', ''],
  ['Real servers', '10.8.80.221, 10.8.80.222=3'],
  ['Redis port', '6380'],
  ['Scheduling algorithm', ''],
  ['What do the real servers hold', ''],
  ['Versions to build from source', ''],
  ['keepalived 1.2.0 source tarball URL', ''],
  ['keepalived 1.2.0 tarball SHA-256', KEEPALIVED_SHA256],
  ['ipvsadm 1.26 source tarball URL', ''],
  ['ipvsadm 1.26 tarball SHA-256', ''],
  ['VRRP password', 'Zq7secr'],
  ['Keep the password out of the file', ''],
  ['Redis password', ''],
  ['SSH user', 'deploy'],
  ['SSH port', ''],
  ['SSH private key file', '~/.ssh/lab_ed25519'],
  ['known_hosts file', ''],
  ['Unknown host keys', ''],
  ['Run commands as root through sudo', ''],
];
const SECRET = 'Zq7secr';
const DOWN = '\x1b[B';
const BACKSPACES = '\x7f'.repeat(40);

/** `text` as inquirer shows it, wrapped at the terminal's width wherever it has a space. */
function wrapped(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+'));
}

function withAnswer(prompt: string, answer: string): [string, string][] {
  return ANSWERS.map(([p, a]) => [p, p === prompt ? answer : a]);
}

const SOFTWARE_START = ANSWERS.findIndex(([p]) => p === 'Versions to build from source');
const SOFTWARE_END = ANSWERS.findIndex(([p]) => p === 'VRRP password');

/** ANSWERS with the software questions replaced, e.g. for another choice of versions. */
function withSoftware(software: [string, string][]): [string, string][] {
  return [...ANSWERS.slice(0, SOFTWARE_START), ...software, ...ANSWERS.slice(SOFTWARE_END)];
}

/** What validate and init both say about a plain-http source without a digest. */
function unverifiedWarning(name: 'keepalived' | 'ipvsadm'): string {
  const problem = unverifiedSourceProblem(name, { source: 'http://example.org/x.tar.gz' });
  if (problem === undefined) throw new Error('test bug: a plain-http source without sha256 must warn');
  return problem.message;
}

function startInit(file: string): PtySession {
  return new PtySession(`./bin/lbprov init ${file}`, { cwd: REPO });
}

async function answerAll(session: PtySession, answers: [string, string][]): Promise<void> {
  for (const [prompt, answer] of answers) await session.answer(prompt, answer);
}

describe('lbprov init (typed into a terminal)', function () {
  this.timeout(60_000);
  before(buildOnce);
  let session: PtySession | undefined;
  afterEach(() => session?.kill());

  it('writes an inventory that validate accepts and that holds the answers, without showing the password', async () => {
    const file = path.join(tempDir('lbprov-init-'), 'inventory.yaml');
    session = startInit(file);
    await answerAll(session, ANSWERS);
    await session.expect(`Wrote ${file}.`);
    expect(await session.exitCode()).to.equal(0);
    expect(session.screen).to.not.include(SECRET);
    expect(session.screen).to.include('read -rs LBPROV_AUTH_PASS');
    // No Redis password was given: init says what validate says about that.
    expect(session.screen).to.include('warning: redis.manage: Redis will answer anyone who reaches the VIP');

    const text = await readFile(file, 'utf8');
    expect(text).to.not.include(SECRET);
    const written = parse(text) as Record<string, Record<string, unknown>>;
    expect(written.vrrp).to.deep.include({
      interface: 'ens192',
      virtual_router_id: 77,
      vip: '10.8.80.200/24',
      auth_pass: { env: 'LBPROV_AUTH_PASS' },
    });
    expect(written.directors).to.deep.equal([
      { host: '10.8.80.218', state: 'MASTER', priority: 101 },
      { host: '10.8.80.217', state: 'BACKUP', priority: 10 },
    ]);
    expect(written.real_servers).to.deep.equal([
      { host: '10.8.80.221', weight: 1 },
      { host: '10.8.80.222', weight: 3 },
    ]);
    expect(written.service).to.deep.include({ port: 6380, lb_algo: 'rr' });
    // The default topology: each real server its own data, checked over the Redis protocol.
    expect(written.redis).to.deep.include({ topology: 'independent' });
    expect(written.service?.check).to.deep.include({ type: 'redis' });
    expect(written.keepalived).to.deep.equal({
      version: '1.2.0',
      source: 'http://www.keepalived.org/software/keepalived-1.2.0.tar.gz',
      sha256: KEEPALIVED_SHA256,
      prefix: '/usr/local/keepalived',
    });
    expect(written.ipvsadm).to.deep.equal({
      version: '1.26',
      source: 'http://www.linuxvirtualserver.org/software/kernel-2.6/ipvsadm-1.26.tar.gz',
      sha256: '',
    });
    expect(written.ssh).to.deep.equal({
      user: 'deploy',
      port: 22,
      identity_file: '~/.ssh/lab_ed25519',
      known_hosts: '~/.ssh/known_hosts',
      host_key_policy: 'strict',
      become: true,
    });
    expect(text).to.match(/^ *# Read from \$LBPROV_AUTH_PASS when lbprov runs/m);

    const check = await runLbprov(['validate', file], { LBPROV_AUTH_PASS: SECRET });
    expect(check.code, check.stdout).to.equal(0);
    // The ipvsadm digest was left empty on a plain-http source: init said so, in validate's words.
    expect(session.screen).to.include(`warning: ipvsadm.source: ${unverifiedWarning('ipvsadm')}; hint:`);
    expect(check.stdout).to.include(`warning: ipvsadm.source: ${unverifiedWarning('ipvsadm')}`);
    expect(session.screen + check.stdout).to.not.include(unverifiedWarning('keepalived'));
  });

  it('offers the current versions over https and writes the digests typed for them', async () => {
    const file = path.join(tempDir('lbprov-init-'), 'current.yaml');
    const password = 'Zq7secr8';
    session = startInit(file);
    await answerAll(
      session,
      withSoftware([
        ['Versions to build from source', DOWN],
        ['keepalived 2.2.7 source tarball URL', ''],
        ['keepalived 2.2.7 tarball SHA-256', KEEPALIVED_SHA256],
        ['ipvsadm 1.31 source tarball URL', ''],
        ['ipvsadm 1.31 tarball SHA-256', IPVSADM_SHA256],
      ]).map(([p, a]): [string, string] =>
        // keepalived 2.x reads 8 characters of the password, 1.2.x only 7.
        p === 'VRRP password' ? ['VRRP password (2-8 characters', password] : [p, a],
      ),
    );
    expect(await session.exitCode()).to.equal(0);
    expect(session.screen).to.not.include('unverified tarball');
    const written = parse(await readFile(file, 'utf8')) as Record<string, Record<string, unknown>>;
    expect(written.keepalived).to.deep.equal({
      version: '2.2.7',
      source: 'https://www.keepalived.org/software/keepalived-2.2.7.tar.gz',
      sha256: KEEPALIVED_SHA256,
      prefix: '/usr/local/keepalived',
    });
    expect(written.ipvsadm).to.deep.equal({
      version: '1.31',
      source: 'https://mirrors.edge.kernel.org/pub/linux/utils/kernel/ipvsadm/ipvsadm-1.31.tar.gz',
      sha256: IPVSADM_SHA256,
    });
    const check = await runLbprov(['validate', file], { LBPROV_AUTH_PASS: password });
    expect(check.code, check.stdout).to.equal(0);
    expect(check.stdout).to.not.include('unverified tarball');
  });

  it("refuses a malformed SHA-256 with the inventory rule's words, and builds a version typed by hand", async () => {
    const file = path.join(tempDir('lbprov-init-'), 'other.yaml');
    const rule = fieldProblem(fields.sha256, 'abc123');
    if (rule === undefined) throw new Error('test bug: abc123 must not pass as a SHA-256 digest');
    session = startInit(file);
    await answerAll(session, ANSWERS.slice(0, SOFTWARE_START));
    await session.answer('Versions to build from source', `${DOWN}${DOWN}`);
    await session.answer('keepalived version to build from source', '2.2.8');
    await session.answer('keepalived 2.2.8 source tarball URL', '');
    await session.answer('keepalived 2.2.8 tarball SHA-256', 'abc123');
    // inquirer wraps its messages at the terminal's width.
    await session.expect(wrapped(rule));
    session.type(`${BACKSPACES}${KEEPALIVED_SHA256}\r`);
    await session.answer('ipvsadm version to build from source', '');
    await session.answer('ipvsadm 1.31 source tarball URL', '');
    await session.answer('ipvsadm 1.31 tarball SHA-256', '');
    await answerAll(session, ANSWERS.slice(SOFTWARE_END));
    expect(await session.exitCode()).to.equal(0);
    const written = parse(await readFile(file, 'utf8')) as Record<string, Record<string, unknown>>;
    expect(written.keepalived).to.deep.include({
      version: '2.2.8',
      source: 'https://www.keepalived.org/software/keepalived-2.2.8.tar.gz',
      sha256: KEEPALIVED_SHA256,
    });
    // An https source needs no digest to be worth a warning.
    expect(written.ipvsadm).to.deep.include({ version: '1.31', sha256: '' });
    expect(session.screen).to.not.include('unverified tarball');
  });

  it('asks for a Redis password under the rule the file obeys, and stores only the variable it is read from', async () => {
    const file = path.join(tempDir('lbprov-init-'), 'redis.yaml');
    const redisPassword = 'Rp7-x!q2@Zz#w0$k';
    const at = ANSWERS.findIndex(([p]) => p === 'Redis password');
    session = startInit(file);
    await answerAll(session, ANSWERS.slice(0, at));
    await session.answer('Redis password', 'Qx7#kWv');
    await session.expect('is 7 characters; a Redis password needs at least 8');
    session.type(`${BACKSPACES}Qx7 kWv9m\r`);
    await session.expect('contains white space, which redis.conf would misread');
    session.type(`${BACKSPACES}${redisPassword}\r`);
    await session.answer('Keep the Redis password out of the file', '');
    await answerAll(session, ANSWERS.slice(at + 1));
    expect(await session.exitCode()).to.equal(0);
    expect(session.screen).to.include('read -rs LBPROV_REDIS_PASSWORD');
    expect(session.screen).to.not.include(redisPassword).and.not.include('kWv');
    const text = await readFile(file, 'utf8');
    expect(text).to.not.include(redisPassword);
    const written = parse(text) as { redis: Record<string, unknown> };
    expect(written.redis).to.deep.equal({
      manage: true,
      install: false,
      password: { env: 'LBPROV_REDIS_PASSWORD' },
      topology: 'independent',
    });
    const check = await runLbprov(['validate', file], {
      LBPROV_AUTH_PASS: SECRET,
      LBPROV_REDIS_PASSWORD: redisPassword,
    });
    expect(check.code, check.stdout).to.equal(0);
    expect(check.stdout).to.not.include('redis.manage');
  });

  it('stores the password inline only when asked, in a file only its owner can read', async () => {
    const file = path.join(tempDir('lbprov-init-'), 'inline.yaml');
    session = startInit(file);
    await answerAll(session, withAnswer('Keep the password out of the file', 'n'));
    expect(await session.exitCode()).to.equal(0);
    expect(session.screen).to.not.include(SECRET);
    const written = parse(await readFile(file, 'utf8')) as { vrrp: { auth_pass: unknown } };
    expect(written.vrrp.auth_pass).to.equal(SECRET);
    expect((await stat(file)).mode & 0o777).to.equal(0o600);
  });

  it("rejects a wrong answer as it is typed, with the validator's words, and takes the corrected one", async () => {
    const file = path.join(tempDir('lbprov-init-'), 'corrected.yaml');
    session = startInit(file);
    await session.answer('Virtual IP with prefix length', '10.8.80.200');
    await session.expect('has no prefix length');
    // The broadcast address was accepted here once, and the whole setup failed after the last answer.
    session.type(`${BACKSPACES}10.8.80.255/24\r`);
    await session.expect('is the network or broadcast address of its /24 subnet');
    session.type(`${BACKSPACES}10.8.80.200/24\r`);
    await session.answer('Network interface', '');
    await session.answer('virtual_router_id', '300');
    await session.expect('must be a whole number from 1 to 255');
    session.type(`${BACKSPACES}51\r`);
    await session.answer('MASTER director address', '192.168.1.5');
    await session.expect("outside the VIP's subnet 10.8.80.0/24");
    session.type(`${BACKSPACES}10.8.80.218\r`);
    await session.answer('MASTER priority', '');
    await session.answer('BACKUP director address', '10.8.80.217');
    await session.answer('BACKUP priority', '150');
    await session.expect("must be below the MASTER's 101");
    session.type(`${BACKSPACES}100\r`);
    await session.answer('Real servers', '10.8.80.221, 10.8.80.218');
    await session.expect('two-box LVS ping-pong');
    session.type(`${BACKSPACES}${BACKSPACES}10.8.80.221\r`);
    await session.answer('Redis port', '');
    await session.expect('Scheduling algorithm');
    session.type(`${DOWN}${DOWN}${DOWN}\r`); // wlc
    await session.answer('What do the real servers hold', '');
    await session.answer('Versions to build from source', '');
    await session.answer('source tarball URL', '');
    await session.answer('tarball SHA-256', '');
    await session.answer('source tarball URL', '');
    await session.answer('tarball SHA-256', '');
    await session.answer('VRRP password (2-7 characters', 'x');
    await session.expect('lbprov needs at least 2');
    // Checked as typed: a leading space is not trimmed away at the prompt and then stored.
    session.type(`${BACKSPACES} ab\r`);
    await session.expect('contains a character keepalived.conf or a remote shell would misread');
    session.type(`${BACKSPACES}12345678\r`);
    await session.expect('keepalived 1.2.0 uses at most 7');
    session.type(`${BACKSPACES}1234567\r`);
    await answerAll(
      session,
      ANSWERS.slice(ANSWERS.findIndex(([p]) => p === 'Keep the password out of the file')),
    );
    expect(await session.exitCode()).to.equal(0);
    const written = parse(await readFile(file, 'utf8')) as Record<string, Record<string, unknown>>;
    expect(written.vrrp).to.deep.include({ vip: '10.8.80.200/24', virtual_router_id: 51 });
    expect(written.directors).to.deep.equal([
      { host: '10.8.80.218', state: 'MASTER', priority: 101 },
      { host: '10.8.80.217', state: 'BACKUP', priority: 100 },
    ]);
    expect(written.real_servers).to.deep.equal([{ host: '10.8.80.221', weight: 1 }]);
    expect(written.service).to.deep.include({ lb_algo: 'wlc' });
    expect(session.screen).to.not.include('12345678');
  });

  describe('the Redis topology', () => {
    const TOPOLOGY = ANSWERS.findIndex(([p]) => p === 'What do the real servers hold');
    const SSH_PORT = ANSWERS.findIndex(([p]) => p === 'SSH port');

    it('explains each topology in one line; primary-replica asks primary, read port and Sentinels under the rules of the file', async () => {
      const file = path.join(tempDir('lbprov-init-'), 'replicated.yaml');
      session = startInit(file);
      await answerAll(session, ANSWERS.slice(0, TOPOLOGY));
      await session.expect('What do the real servers hold?');
      await session.expect('independent      each its own data: a cache, or read-only data');
      await session.expect('primary-replica  one dataset: a primary takes writes, replicas copy it');
      session.type(DOWN);
      await session.expect(
        wrapped("the VIP's port reaches the primary only; the replicas' own data is replaced"),
      );
      session.type('\r');
      await session.expect('Which real server starts as the primary?');
      await session.answer('10.8.80.221  (the first)', DOWN);
      // The service port typed before (6380) cannot be the read port too: validate's words.
      await session.answer('Read port on the VIP, spread over the replicas (empty: none):', '6380');
      await session.expect(wrapped("is 6380, service.port, the VIP's port for writes"));
      session.type(`${BACKSPACES}6381\r`);
      await session.expect('Run Redis Sentinel, to promote a replica when the primary fails?');
      await session.expect('no   a failed primary stays down: writes fail until it is back');
      session.type('\r');
      await session.expect('With 2 real servers, which directors run a Sentinel too (3 are needed)?');
      // The MASTER comes checked; without it two Sentinels are too few, in validate's words.
      session.type(' \r');
      await session.expect(wrapped('choose a director: would run 2 Sentinels'));
      session.type(' \r');
      await answerAll(session, ANSWERS.slice(TOPOLOGY + 1, SSH_PORT));
      await session.answer('SSH port', '6381');
      await session.expect(wrapped("the read port and the real servers' SSH port are both 6381"));
      session.type(`${BACKSPACES}22\r`);
      await answerAll(session, ANSWERS.slice(SSH_PORT + 1));
      expect(await session.exitCode()).to.equal(0);

      const written = parse(await readFile(file, 'utf8')) as Record<string, Record<string, unknown>>;
      expect(written.redis).to.deep.equal({
        manage: true,
        install: false,
        topology: 'primary-replica',
        primary: '10.8.80.222',
        read_port: 6381,
        sentinel: { down_after_ms: 5000, failover_timeout_ms: 60000, also_on: ['10.8.80.218'] },
      });
      expect(written.ssh).to.deep.include({ port: 22 });
      const check = await runLbprov(['validate', file], { LBPROV_AUTH_PASS: SECRET });
      expect(check.code, check.stdout).to.equal(0);
      expect(check.stdout).not.to.include('redis.topology').and.not.include('service.lb_algo');
    });

    it('without Sentinel: sentinel: false, and no read port when none is typed', async () => {
      const file = path.join(tempDir('lbprov-init-'), 'no-sentinel.yaml');
      session = startInit(file);
      await answerAll(session, ANSWERS.slice(0, TOPOLOGY));
      await session.answer('What do the real servers hold?', DOWN);
      await session.answer('Which real server starts as the primary?', '');
      await session.answer('Read port on the VIP', '');
      await session.answer('Run Redis Sentinel', DOWN);
      await answerAll(session, ANSWERS.slice(TOPOLOGY + 1));
      expect(await session.exitCode()).to.equal(0);
      expect(session.screen).not.to.include('which directors run a Sentinel too');
      const written = parse(await readFile(file, 'utf8')) as Record<string, Record<string, unknown>>;
      expect(written.redis).to.deep.equal({
        manage: true,
        install: false,
        topology: 'primary-replica',
        primary: '10.8.80.221',
        sentinel: false,
      });
      const check = await runLbprov(['validate', file], { LBPROV_AUTH_PASS: SECRET });
      expect(check.code, check.stdout).to.equal(0);
      expect(check.stdout).not.to.include('warning: redis.topology');
    });

    it("Redis on Sentinel's port: Sentinel is offered but disabled, saying why", async () => {
      const file = path.join(tempDir('lbprov-init-'), 'sentinel-port.yaml');
      session = startInit(file);
      await answerAll(session, withAnswer('Redis port', '26379').slice(0, TOPOLOGY));
      await session.answer('What do the real servers hold?', DOWN);
      await session.answer('Which real server starts as the primary?', '');
      await session.answer('Read port on the VIP', '');
      await session.expect('Run Redis Sentinel');
      await session.expect(wrapped("is 26379, Redis Sentinel's port"));
      session.type('\r');
      await answerAll(session, ANSWERS.slice(TOPOLOGY + 1));
      expect(await session.exitCode()).to.equal(0);
      const written = parse(await readFile(file, 'utf8')) as Record<string, Record<string, unknown>>;
      expect(written.redis).to.deep.include({ topology: 'primary-replica', sentinel: false });
    });

    it('one real server: primary-replica is offered but disabled, saying why', async () => {
      const file = path.join(tempDir('lbprov-init-'), 'single.yaml');
      session = startInit(file);
      await answerAll(session, withAnswer('Real servers', '10.8.80.221').slice(0, TOPOLOGY));
      await session.expect('What do the real servers hold?');
      await session.expect(
        wrapped('needs at least 2 real servers, a primary and a replica; real_servers lists 1'),
      );
      session.type(`${DOWN}\r`);
      await answerAll(session, ANSWERS.slice(TOPOLOGY + 1));
      expect(await session.exitCode()).to.equal(0);
      const written = parse(await readFile(file, 'utf8')) as Record<string, Record<string, unknown>>;
      expect(written.redis).to.deep.include({ topology: 'independent' });
    });
  });

  it('keeps an existing file when the overwrite question is answered with the default', async () => {
    const file = path.join(tempDir('lbprov-init-'), 'existing.yaml');
    await writeFile(file, '# mine\n');
    session = startInit(file);
    await session.answer('already exists. Overwrite it?', '');
    await session.expect(`Left ${file} unchanged.`);
    expect(await session.exitCode()).to.equal(130);
    expect(await readFile(file, 'utf8')).to.equal('# mine\n');
  });

  it('overwrites an existing file only after a yes', async () => {
    const file = path.join(tempDir('lbprov-init-'), 'replace.yaml');
    await writeFile(file, '# mine\n');
    session = startInit(file);
    await session.answer('already exists. Overwrite it?', 'y');
    await answerAll(session, ANSWERS);
    expect(await session.exitCode()).to.equal(0);
    expect(await readFile(file, 'utf8')).to.include('real_servers:');
  });

  it('writes nothing when interrupted with Ctrl-C', async () => {
    const dir = tempDir('lbprov-init-');
    const file = path.join(dir, 'never.yaml');
    session = startInit(file);
    await session.answer('Virtual IP with prefix length', '10.8.80.200/24');
    await session.expect('Network interface');
    session.type('\x03');
    await session.expect('nothing was written');
    expect(await session.exitCode()).to.equal(130);
    await stat(file).then(
      () => expect.fail(`${file} was written`),
      () => undefined,
    );
  });

  it('without a terminal, fails with exit 1 and says how to write the file by hand', async () => {
    const file = path.join(tempDir('lbprov-init-'), 'inventory.yaml');
    const run = await runLbprov(['init', file]);
    expect(run.code).to.equal(1);
    expect(run.stderr).to.include('needs a terminal');
    expect(run.stderr).to.include(`inventory/seed.yaml ${file}`);
    expect(run.stderr).to.include(`lbprov validate ${file}`);
  });
});
