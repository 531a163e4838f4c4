// The Redis password on its way in: from the environment or apply's prompt, under the rule the file
// obeys, and into the masker every output passes through. Nothing here contacts a host.
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openPlannedSession, openSession } from '../../../src/cli/session.js';
import { MASK } from '../../../src/util/mask.js';
import { PtySession } from '../init/pty-session.js';
import { buildOnce, REPO, runLbprov } from '../inventory/run-cli.js';
import { tempDir } from '../../support/temp-dir.js';

const BASE = readFileSync(new URL('../../fixtures/inventories/base.yaml', import.meta.url), 'utf8');
const PASSWORD = 'Rp7-x!q2@Zz#w0$k';
const BACKSPACES = '\x7f'.repeat(20);

function inventoryFile(): string {
  const file = join(tempDir('lbprov-redis-'), 'inventory.yaml');
  const known = join(file, '..', 'known_hosts');
  writeFileSync(known, '');
  writeFileSync(
    file,
    BASE.replace(
      '  install: false\n',
      '  install: false\n  password: { env: LBPROV_REDIS_PASSWORD }\n',
    ).replace('~/.ssh/known_hosts', known),
  );
  return file;
}

describe('the Redis password of a run', function () {
  this.timeout(60_000);
  const saved = { auth: process.env.LBPROV_AUTH_PASS, redis: process.env.LBPROV_REDIS_PASSWORD };
  afterEach(() => {
    for (const [name, value] of [
      ['LBPROV_AUTH_PASS', saved.auth],
      ['LBPROV_REDIS_PASSWORD', saved.redis],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('is masked in everything the run prints, like the VRRP password', async () => {
    process.env.LBPROV_AUTH_PASS = 'lbpass1';
    process.env.LBPROV_REDIS_PASSWORD = PASSWORD;
    const session = await openSession(inventoryFile(), { warn: () => undefined });
    expect(session.masker.mask(`requirepass ${PASSWORD}\nauth_pass lbpass1`)).to.equal(
      `requirepass ${MASK}\nauth_pass ${MASK}`,
    );
  });

  it('is neither asked for nor needed by commands that write no configuration', async () => {
    process.env.LBPROV_AUTH_PASS = 'lbpass1';
    delete process.env.LBPROV_REDIS_PASSWORD;
    const session = await openPlannedSession(inventoryFile(), {
      warn: () => undefined,
      secrets: 'when-set',
    });
    expect(session.jobs.length).to.be.greaterThan(0);
  });

  describe('the built CLI', () => {
    before(buildOnce);

    it('apply without the variable and without a terminal: exit 4, naming the variable, before any connection', async () => {
      const file = inventoryFile();
      for (const json of [false, true]) {
        const run = await runLbprov(['apply', file, '--dry-run', ...(json ? ['--json'] : [])], {
          LBPROV_AUTH_PASS: 'lbpass1',
        });
        expect(run.code).to.equal(4);
        expect(run.stdout + run.stderr).to.include(
          'Redis password comes from the environment variable LBPROV_REDIS_PASSWORD, which is not set',
        );
      }
    });

    it('apply with a variable that breaks the rule: exit 4 with the rule, never the value', async () => {
      const run = await runLbprov(['apply', inventoryFile(), '--dry-run'], {
        LBPROV_AUTH_PASS: 'lbpass1',
        LBPROV_REDIS_PASSWORD: 'Qx7 kWv9m',
      });
      expect(run.code).to.equal(4);
      expect(run.stderr).to.include(
        'redis.password.env: LBPROV_REDIS_PASSWORD (from the environment) contains white space, which redis.conf would misread',
      );
      expect(run.stdout + run.stderr).not.to.include('kWv9m');
    });

    it("apply's prompt (variable unset, on a terminal) takes only what the file would; Ctrl-C exits 130", async () => {
      const session = new PtySession(`./bin/lbprov apply ${inventoryFile()} --dry-run`, {
        cwd: REPO,
        env: { LBPROV_AUTH_PASS: 'lbpass1' },
      });
      try {
        await session.answer('Redis password (LBPROV_REDIS_PASSWORD is not set)', 'Qx7#kWv');
        await session.expect('is 7 characters; a Redis password needs at least 8');
        session.type(`${BACKSPACES}Qx7"kWv9m\r`);
        await session.expect('contains a quote, which redis.conf would misread');
        session.type('\x03');
        expect(await session.exitCode()).to.equal(130);
        expect(session.screen).not.to.include('kWv');
      } finally {
        session.kill();
      }
    });
  });
});
