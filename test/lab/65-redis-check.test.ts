// The Redis health check (issue 17, item 1) on real hosts: apply installs it on both directors with
// the password file, keepalived 2.2.7 accepts the MISC_CHECK configuration (`keepalived -t`), and
// the installed program, run on each director against each real server, agrees with what that
// Redis says its role is: primary, replica in sync, replica whose primary is gone, stopped.
// The lab's keepalived runs VRRP only (no IPVS in this kernel), so keepalived itself never runs the
// check here: the test runs it as keepalived would, with the arguments keepalived.conf gives it.
// That a failing check takes a server out of the pool is NOT PROVABLE here (no IPVS): the Vagrant
// lab proves the data path. Runs on hosts lbprov has emptied; leaves them so.
import { expect } from 'chai';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { LAB_CURRENT_INVENTORY, LAB_HOSTS, labExec, labExecOk } from './support/lab.js';
import { LAB_AUTH_PASS, lbprov, type CliRun } from './support/cluster.js';
import { HOSTS, LEFTOVERS } from './support/snapshot.js';

const DIRECTORS = ['lb1', 'lb2'] as const;
const REAL_SERVERS = ['rs1', 'rs2'] as const;
type RealServer = (typeof REAL_SERVERS)[number];
/** A test-only sentinel, so every captured byte can be searched for it. */
const REDIS_PASSWORD = 'Rc9-lab-pw';
const CHECK = '/usr/local/libexec/lbprov/redis-check';
const PASSWORD_FILE = '/etc/keepalived/lbprov-redis-password';

const inventory = join(dirname(LAB_CURRENT_INVENTORY), `.redis-check-${basename(LAB_CURRENT_INVENTORY)}`);
const env = { LBPROV_REDIS_PASSWORD: REDIS_PASSWORD };

const captured: string[] = [];
function keep(result: CliRun): CliRun {
  captured.push(result.stdout, result.stderr);
  return result;
}

/**
 * One command through redis-cli on a real server against its own Redis. The password and the
 * command come on stdin (redis-cli reads commands from a non-terminal stdin): never on a command line.
 */
async function redisCli(host: RealServer, command: string): Promise<string> {
  const out = await labExecOk(host, 'IFS= read -r REDISCLI_AUTH; export REDISCLI_AUTH; redis-cli', {
    input: `${REDIS_PASSWORD}\n${command}\n`,
  });
  return out.trim();
}

/** What the real server's Redis says: master, replica (link up/down), or down. */
async function redisState(host: RealServer): Promise<string> {
  const info = await labExec(
    host,
    'IFS= read -r REDISCLI_AUTH; export REDISCLI_AUTH; redis-cli INFO replication',
    {
      input: `${REDIS_PASSWORD}\n`,
    },
  );
  const role = /^role:(\w+)/m.exec(info.stdout)?.[1];
  if (info.code !== 0 || role === undefined) return 'down';
  if (role === 'master') return 'master';
  return `replica, link ${/^master_link_status:(\w+)/m.exec(info.stdout)?.[1]}`;
}

/** The installed check on `director` against `server`, as keepalived.conf's misc_path runs it. */
async function verdict(director: string, server: RealServer, role: string): Promise<string> {
  const result = await labExec(director, `${CHECK} -t 3 ${LAB_HOSTS[server]} 6379 ${role}`.trim());
  return result.code === 0 ? 'healthy' : `exit ${result.code}: ${result.stderr.trim()}`;
}

/** Expected verdicts from the Redis role: role master passes only a primary, replica only a replica in sync. */
function expected(state: string, role: string): boolean {
  if (state === 'down') return false;
  if (role === 'master') return state === 'master';
  if (role === 'replica') return state === 'replica, link up';
  return true;
}

/** Every director's verdict on every real server, for every role argument, beside the Redis state. */
async function compareAll(): Promise<void> {
  for (const server of REAL_SERVERS) {
    const state = await redisState(server);
    for (const director of DIRECTORS) {
      for (const role of ['', 'master', 'replica']) {
        const got = await verdict(director, server, role);
        console.log(`      ${director} -> ${server} (${state}) ${role || 'no role'}: ${got}`);
        expect(got === 'healthy', `${director} -> ${server} (${state}) ${role}: ${got}`).to.equal(
          expected(state, role),
        );
      }
    }
  }
}

async function until(what: string, test: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 60; i++) {
    if (await test()) return;
    await new Promise((done) => setTimeout(done, 500));
  }
  throw new Error(`${what} did not happen within 30 s`);
}

describe('the Redis health check on the directors (MISC_CHECK, namespace lab)', function () {
  before(() => {
    const document = parseDocument(readFileSync(LAB_CURRENT_INVENTORY, 'utf8'));
    // A topology makes service.check.type redis; independent needs no replication of lbprov's.
    document.setIn(['redis', 'topology'], 'independent');
    document.setIn(['redis', 'password'], { env: 'LBPROV_REDIS_PASSWORD' });
    writeFileSync(inventory, document.toString());
  });

  after(() => {
    rmSync(inventory, { force: true });
    for (const text of captured) {
      expect(text).not.to.include(LAB_AUTH_PASS);
      expect(text).not.to.include(REDIS_PASSWORD);
    }
  });

  it('apply installs the check (root, 0755) and the password file (root, 0600); keepalived 2.2.7 -t accepts the MISC_CHECKs', async function () {
    this.timeout(1_200_000);
    const applied = keep(await lbprov(['apply', inventory, '--json'], { env }));
    expect(applied.code, applied.stdout.slice(-3000)).to.equal(0);
    for (const director of DIRECTORS) {
      expect(await labExecOk(director, `stat -c '%U %a' ${CHECK} ${PASSWORD_FILE}`), director).to.equal(
        'root 755\nroot 600\n',
      );
      const conf = await labExecOk(director, 'cat /etc/keepalived/keepalived.conf');
      expect(conf).to.include(`misc_path "${CHECK} -t 3 ${LAB_HOSTS.rs1} 6379"`);
      expect(conf).to.include('enable_script_security').and.not.to.include(REDIS_PASSWORD);
      // apply ran `keepalived -t` before installing the file; again here, for what it says.
      const test = await labExec(director, 'keepalived -t -f /etc/keepalived/keepalived.conf 2>&1');
      expect(test.code, test.stdout).to.equal(0);
      expect(test.stdout, test.stdout).not.to.match(
        /SECURITY VIOLATION|insecure|Unsafe permissions|not found/i,
      );
    }
  });

  it('every director passes both independent primaries, and fails them when asked for a replica', async function () {
    this.timeout(120_000);
    await compareAll();
  });

  it('rs2 made a replica of rs1: role master passes rs1 only, role replica rs2 only', async function () {
    this.timeout(120_000);
    expect(await redisCli('rs2', `CONFIG SET masterauth ${REDIS_PASSWORD}`)).to.equal('OK');
    expect(await redisCli('rs2', `REPLICAOF ${LAB_HOSTS.rs1} 6379`)).to.equal('OK');
    await until('rs2 in sync with rs1', async () => (await redisState('rs2')) === 'replica, link up');
    await compareAll();
  });

  it('a stopped Redis is unhealthy, and its replica too (link down)', async function () {
    this.timeout(120_000);
    await labExecOk('rs1', 'service redis-server stop');
    try {
      await until(
        'rs2 sees its primary gone',
        async () => (await redisState('rs2')) === 'replica, link down',
      );
      expect(await redisState('rs1')).to.equal('down');
      expect(await verdict('lb1', 'rs1', '')).to.equal(
        `exit 1: redis-check ${LAB_HOSTS.rs1}:6379: connection refused or host unreachable`,
      );
      await compareAll();
    } finally {
      await labExecOk('rs1', 'service redis-server start');
      await redisCli('rs2', 'REPLICAOF NO ONE');
    }
  });

  it('destroy removes the check and the password file, and leaves the hosts as lbprov found them', async function () {
    this.timeout(600_000);
    const destroyed = keep(
      await lbprov(['destroy', inventory, '--yes', '--remove-packages', '--json'], { env }),
    );
    expect(destroyed.code, destroyed.stdout.slice(-3000)).to.equal(0);
    for (const director of DIRECTORS) {
      expect(
        await labExecOk(
          director,
          `ls -d ${CHECK} /usr/local/libexec/lbprov ${PASSWORD_FILE} 2>/dev/null; true`,
        ),
      ).to.equal('');
    }
    for (const host of HOSTS) expect(await labExecOk(host, LEFTOVERS), host).to.equal('');
  });
});
