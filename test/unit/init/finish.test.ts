// `lbprov init` after the last prompt: a failure there must never lose the answers.
import { expect } from 'chai';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import type { InitAnswers } from '../../../src/cli/init/answers.js';
import { finishInit, type FinishDependencies } from '../../../src/cli/init/finish.js';
import { answersPath } from '../../../src/cli/init/save-answers.js';
import { writeFileAtomically } from '../../../src/cli/init/write-file.js';

const VRRP_SECRET = 'Zq7secr';
const REDIS_SECRET = 'Rp9-w@long-enough';

/** A user who chose to store both passwords in the file: the saved answers must still hold neither. */
const ANSWERS: InitAnswers = {
  cluster: {
    vrrp: { interface: 'ens192', virtual_router_id: 77, vip: '10.8.80.200/24' },
    directors: [
      { host: '10.8.80.218', state: 'MASTER', priority: 101 },
      { host: '10.8.80.217', state: 'BACKUP', priority: 10 },
    ],
    real_servers: [
      { host: '10.8.80.221', weight: 1 },
      { host: '10.8.80.222', weight: 3 },
    ],
    service: { port: 6380, lb_algo: 'rr' },
  },
  topology: {
    topology: 'primary-replica',
    primary: '10.8.80.222',
    read_port: 6381,
    sentinel: { also_on: ['10.8.80.218'] },
  },
  software: {
    keepalived: {
      version: '1.2.0',
      source: 'http://www.keepalived.org/software/keepalived-1.2.0.tar.gz',
      sha256: 'ab'.repeat(32),
    },
    ipvsadm: {
      version: '1.26',
      source: 'http://www.linuxvirtualserver.org/software/kernel-2.6/ipvsadm-1.26.tar.gz',
      sha256: '',
    },
  },
  secrets: {
    vrrp: { stored: 'inline', value: VRRP_SECRET },
    redis: { stored: 'inline', value: REDIS_SECRET },
  },
  ssh: {
    user: 'deploy',
    port: 22,
    identity_file: '~/.ssh/lab_ed25519',
    known_hosts: '~/.ssh/known_hosts',
    host_key_policy: 'strict',
    become: true,
  },
};

describe('lbprov init: a failure after the prompts keeps the answers', () => {
  let dir: string;
  let stdout: string;
  let stderr: string;
  const finish = (file: string, deps: Partial<FinishDependencies>) =>
    finishInit(file, ANSWERS, {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      ...deps,
    });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lbprov-finish-'));
    stdout = '';
    stderr = '';
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** The saved file holds every answer and no password; it is an inventory reading them from variables. */
  async function expectAnswersIn(saved: string): Promise<void> {
    expect((await stat(saved)).mode & 0o777).to.equal(0o600);
    const text = await readFile(saved, 'utf8');
    expect(text).not.to.include(VRRP_SECRET);
    expect(text).not.to.include(REDIS_SECRET);
    const inventory = parse(text) as Record<string, Record<string, unknown>>;
    expect(inventory.vrrp).to.deep.include({
      interface: 'ens192',
      virtual_router_id: 77,
      vip: '10.8.80.200/24',
      auth_pass: { env: 'LBPROV_AUTH_PASS' },
    });
    expect(inventory.directors).to.deep.equal(ANSWERS.cluster.directors);
    expect(inventory.real_servers).to.deep.equal(ANSWERS.cluster.real_servers);
    expect(inventory.service).to.deep.include({ port: 6380, lb_algo: 'rr' });
    expect(inventory.keepalived).to.deep.include({ version: '1.2.0', sha256: 'ab'.repeat(32) });
    expect(inventory.ssh).to.deep.equal(ANSWERS.ssh);
    expect(inventory.redis).to.deep.include({
      password: { env: 'LBPROV_REDIS_PASSWORD' },
      topology: 'primary-replica',
      primary: '10.8.80.222',
      read_port: 6381,
      sentinel: { down_after_ms: 5000, failover_timeout_ms: 60000, also_on: ['10.8.80.218'] },
    });
  }

  it('the inventory does not validate: exit 4, the answers beside it without a password, and what to do', async () => {
    const file = path.join(dir, 'inventory.yaml');
    const outcome = await finish(file, {
      validate: () => ({
        errors: [
          {
            file,
            line: 9,
            column: 8,
            path: 'vrrp.vip',
            message: 'is the broadcast address of 10.8.80.0/24',
            severity: 'error',
          },
        ],
        warnings: [],
      }),
    });
    expect(outcome).to.deep.equal({ written: false, exitCode: 4 });
    const saved = path.join(dir, 'inventory.answers.yaml');
    expect(answersPath(file)).to.equal(saved);
    await expectAnswersIn(saved);
    await stat(file).then(
      () => expect.fail('the inventory must not be written'),
      () => undefined,
    );
    expect(stderr).to.equal(
      [
        `lbprov: init could not write ${file}: the inventory they make does not validate:`,
        '  vrrp.vip: is the broadcast address of 10.8.80.0/24',
        `Your answers are saved in ${saved} (without any password, mode 0600).`,
        `To go on: lbprov validate ${saved}, fix what it reports, then mv ${saved} ${file}`,
        `(or run lbprov init ${file} again).`,
        '',
      ].join('\n'),
    );
    expect(stdout + stderr).not.to.include(VRRP_SECRET);
  });

  it('the folder refuses the inventory and the answers: they go to the temporary folder instead', async () => {
    const file = path.join(dir, 'inventory.yaml');
    const refused = Object.assign(new Error(`EACCES: permission denied, open '${dir}/x'`), {
      code: 'EACCES',
    });
    const outcome = await finish(file, {
      write: (target, text, mode) =>
        target.startsWith(dir) ? Promise.reject(refused) : writeFileAtomically(target, text, mode),
    });
    expect(outcome).to.deep.equal({ written: false, exitCode: 4 });
    expect(stderr).to.include(`lbprov: init could not write ${file}: writing it failed: EACCES`);
    const saved = /Your answers are saved in (\S+) /.exec(stderr)?.[1];
    expect(saved, stderr).to.be.a('string');
    expect(path.dirname(saved!)).to.equal(os.tmpdir());
    try {
      await expectAnswersIn(saved!);
    } finally {
      await rm(saved!, { force: true });
    }
  });

  it('nowhere to save them: the answers are printed, still without a password', async () => {
    const file = path.join(dir, 'inventory.yaml');
    const outcome = await finish(file, {
      write: () =>
        Promise.reject(Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' })),
    });
    expect(outcome).to.deep.equal({ written: false, exitCode: 4 });
    expect(stderr).to.include('here they are, without any password:');
    expect(stderr).to.include('vip: 10.8.80.200/24');
    expect(stderr).not.to.include(VRRP_SECRET);
    expect(stderr).not.to.include(REDIS_SECRET);
  });

  it('a valid inventory is written (0600 with an inline password) and no answers file is left', async () => {
    const file = path.join(dir, 'inventory.yaml');
    expect(await finish(file, {})).to.deep.equal({ written: true });
    expect((await stat(file)).mode & 0o777).to.equal(0o600);
    expect(stdout).to.include(`Wrote ${file}.`);
    await stat(answersPath(file)).then(
      () => expect.fail('no answers file when the inventory was written'),
      () => undefined,
    );
  });
});
