import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOnce, runLbprov } from './run-cli.js';

const BASE = readFileSync(new URL('../../fixtures/inventories/base.yaml', import.meta.url), 'utf8');

/** The base inventory with `password` under redis, written to a fresh folder. */
function withRedisPassword(password: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'lbprov-redis-')), 'inventory.yaml');
  writeFileSync(file, BASE.replace('  install: false\n', `  install: false\n  password: ${password}\n`));
  return file;
}

describe('lbprov validate (the built CLI)', function () {
  this.timeout(120_000);
  before(buildOnce);

  it('accepts the seed inventory with exit 0 and says it is valid', async () => {
    const run = await runLbprov(['validate', 'inventory/seed.yaml']);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.match(/^inventory\/seed\.yaml: valid/m);
    expect(run.stdout).to.include('warning: service.lb_algo:');
    // The how-to's plain-http sources, with no digest pinned.
    expect(run.stdout).to.match(
      /^inventory\/seed\.yaml:\d+:\d+: warning: keepalived\.source: has no keepalived\.sha256/m,
    );
    expect(run.stdout).to.match(
      /^inventory\/seed\.yaml:\d+:\d+: warning: ipvsadm\.source: has no ipvsadm\.sha256/m,
    );
    expect(run.stderr).to.equal('');
  });

  it('warns, with exit 0, that plain-http sources without sha256 are built as root unverified', async () => {
    const run = await runLbprov(['validate', 'test/fixtures/inventories/base.yaml']);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.include(
      'test/fixtures/inventories/base.yaml:10:11: warning: keepalived.source: has no keepalived.sha256: an unverified tarball downloaded over plain http will be built and installed as root; hint: pin keepalived.sha256 (e.g. with `sha256sum <tarball>`) or use an https:// source\n',
    );
    expect(run.stdout).to.include(
      'test/fixtures/inventories/base.yaml:15:11: warning: ipvsadm.source: has no ipvsadm.sha256:',
    );
    expect(run.stdout).to.match(/base\.yaml: valid \(\d+ warnings\)\n$/);
  });

  it('checks the length of the password in the environment', async () => {
    const run = await runLbprov(['validate', 'inventory/seed.yaml'], { LBPROV_AUTH_PASS: '12345678' });
    expect(run.code).to.equal(4);
    expect(run.stdout).to.include(
      'vrrp.auth_pass.env: LBPROV_AUTH_PASS (from the environment) is 8 characters',
    );
  });

  const mistakes: [file: string, expected: string][] = [
    [
      'directors-as-real-servers.yaml',
      'directors-as-real-servers.yaml:18:13: error: real_servers[0].host: is also directors[0]; a director listed as its own real server',
    ],
    [
      'auth-pass-too-long.yaml',
      'auth-pass-too-long.yaml:12:14: error: vrrp.auth_pass: is 9 characters; keepalived 1.2.0 uses at most 7',
    ],
    [
      'lb-kind-lowercase.yaml',
      'lb-kind-lowercase.yaml:14:12: error: service.lb_kind: is dr; must be one of NAT, DR, TUN; hint: did you mean DR?',
    ],
    [
      'howto-check-keys.yaml',
      'howto-check-keys.yaml:16:32: error: service.check.nb_get_retry: unknown key "nb_get_retry"',
    ],
  ];
  for (const [file, expected] of mistakes) {
    it(`rejects the how-to's mistake ${file} with exit 4 and a precise message`, async () => {
      const run = await runLbprov(['validate', `test/fixtures/howto-mistakes/${file}`]);
      expect(run.code).to.equal(4);
      expect(run.stdout).to.include(`test/fixtures/howto-mistakes/${expected}`);
      expect(run.stdout).to.match(/: invalid: \d+ errors?, \d+ warnings?\n$/);
    });
  }

  it('prints one JSON object with --json', async () => {
    const run = await runLbprov([
      'validate',
      '--json',
      'test/fixtures/howto-mistakes/lb-kind-lowercase.yaml',
    ]);
    expect(run.code).to.equal(4);
    const report = JSON.parse(run.stdout) as {
      valid: boolean;
      errors: { path: string; line: number }[];
      warnings: unknown[];
    };
    expect(report.valid).to.equal(false);
    expect(report.errors).to.deep.include({
      file: 'test/fixtures/howto-mistakes/lb-kind-lowercase.yaml',
      line: 14,
      column: 12,
      path: 'service.lb_kind',
      message: 'is dr; must be one of NAT, DR, TUN',
      hint: 'did you mean DR?',
      severity: 'error',
    });
    expect(report.warnings).to.be.an('array');
  });

  it('lists the plain-http warning in --json with its place in the file', async () => {
    const run = await runLbprov(['validate', '--json', 'test/fixtures/inventories/base.yaml']);
    expect(run.code).to.equal(0);
    const report = JSON.parse(run.stdout) as { valid: boolean; warnings: unknown[] };
    expect(report.valid).to.equal(true);
    expect(report.warnings).to.deep.include({
      file: 'test/fixtures/inventories/base.yaml',
      line: 15,
      column: 11,
      path: 'ipvsadm.source',
      message:
        'has no ipvsadm.sha256: an unverified tarball downloaded over plain http will be built and installed as root',
      hint: 'pin ipvsadm.sha256 (e.g. with `sha256sum <tarball>`) or use an https:// source',
      severity: 'warning',
    });
  });

  describe('the Redis password', () => {
    const SHORT = 'Zq7!x4';

    it('warns, with exit 0, that a managed Redis without a password answers anyone', async () => {
      const run = await runLbprov(['validate', 'test/fixtures/inventories/base.yaml']);
      expect(run.code).to.equal(0);
      expect(run.stdout).to.include(
        "test/fixtures/inventories/base.yaml:37:11: warning: redis.manage: Redis will answer anyone who reaches the VIP or a real server's address: lbprov binds it to both with protected-mode no, and redis.password is not set; hint: add password: { env: LBPROV_REDIS_PASSWORD } under redis",
      );
    });

    it('refuses a short inline password with file, line, key and the rule, never the value (text and --json)', async () => {
      const file = withRedisPassword(`"${SHORT}"`);
      const text = await runLbprov(['validate', file]);
      expect(text.code).to.equal(4);
      expect(text.stdout).to.include(
        `${file}:39:13: error: redis.password: is 6 characters; a Redis password needs at least 8 (Redis answers as fast as an attacker can guess); hint: choose 8 to 128 printable ASCII characters without spaces, quotes or backslashes`,
      );
      const json = await runLbprov(['validate', '--json', file]);
      expect(json.code).to.equal(4);
      const report = JSON.parse(json.stdout) as { errors: { path: string; line: number; message: string }[] };
      expect(report.errors).to.deep.include.members([
        {
          file,
          line: 39,
          column: 13,
          path: 'redis.password',
          message:
            'is 6 characters; a Redis password needs at least 8 (Redis answers as fast as an attacker can guess)',
          hint: 'choose 8 to 128 printable ASCII characters without spaces, quotes or backslashes, e.g. from `openssl rand -base64 24`',
          severity: 'error',
        },
      ]);
      for (const run of [text, json]) expect(run.stdout + run.stderr).not.to.include(SHORT);
    });

    it('checks the variable with the same rule and names it, never the value (text and --json)', async () => {
      const file = withRedisPassword('{ env: LBPROV_REDIS_PASSWORD }');
      for (const args of [
        ['validate', file],
        ['validate', '--json', file],
      ]) {
        const run = await runLbprov(args, { LBPROV_REDIS_PASSWORD: SHORT });
        expect(run.code).to.equal(4);
        expect(run.stdout).to.include('LBPROV_REDIS_PASSWORD (from the environment) is 6 characters');
        expect(run.stdout + run.stderr).not.to.include(SHORT);
      }
      const good = await runLbprov(['validate', file], { LBPROV_REDIS_PASSWORD: 'Zq7!x4-Rp9@w' });
      expect(good.code, good.stdout).to.equal(0);
      expect(good.stdout).not.to.include('redis.manage').and.not.to.include('Zq7!x4-Rp9@w');
    });
  });

  it('reports a missing file without a stack trace and points to init', async () => {
    const run = await runLbprov(['validate', 'no-such-inventory.yaml']);
    expect(run.code).to.equal(4);
    expect(run.stdout).to.include(
      'no-such-inventory.yaml:1:1: error: no such file; hint: run `lbprov init <file>`',
    );
    expect(run.stdout + run.stderr).to.not.match(/\n\s+at /);
  });

  it('reports a directory given as the inventory', async () => {
    const run = await runLbprov(['validate', 'inventory']);
    expect(run.code).to.equal(4);
    expect(run.stdout).to.include('is a directory');
  });
});
