import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir, tempLabInventory } from '../../support/temp-dir.js';
import { buildOnce, runLbprov } from './run-cli.js';

const BASE = readFileSync(new URL('../../fixtures/inventories/base.yaml', import.meta.url), 'utf8');

/** validate --json's output: one event per line. */
function jsonEvents(stdout: string): Record<string, unknown>[] {
  return stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The base inventory with `password` under redis, written to a fresh folder. */
function withRedisPassword(password: string): string {
  const file = join(tempDir('lbprov-redis-'), 'inventory.yaml');
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

  it('prints one JSON event per finding with --json, then the summary with the exit code last', async () => {
    const run = await runLbprov([
      'validate',
      '--json',
      'test/fixtures/howto-mistakes/lb-kind-lowercase.yaml',
    ]);
    expect(run.code).to.equal(4);
    expect(run.stderr).to.equal('');
    const events = jsonEvents(run.stdout);
    expect(events).to.deep.include({
      type: 'error',
      file: 'test/fixtures/howto-mistakes/lb-kind-lowercase.yaml',
      line: 14,
      column: 12,
      path: 'service.lb_kind',
      message: 'is dr; must be one of NAT, DR, TUN',
      hint: 'did you mean DR?',
      severity: 'error',
    });
    const errors = events.filter((event) => event.type === 'error').length;
    const warnings = events.filter((event) => event.type === 'warning').length;
    expect(events.at(-1)).to.deep.equal({
      type: 'summary',
      mode: 'validate',
      file: 'test/fixtures/howto-mistakes/lb-kind-lowercase.yaml',
      valid: false,
      errors,
      warnings,
      exit_code: 4,
    });
    expect(events.slice(0, -1).map((event) => event.type)).to.satisfy((types: string[]) =>
      types.every((type) => type === 'error' || type === 'warning'),
    );
  });

  it('lists the plain-http warning in --json with its place in the file', async () => {
    const run = await runLbprov(['validate', '--json', 'test/fixtures/inventories/base.yaml']);
    expect(run.code).to.equal(0);
    const events = jsonEvents(run.stdout);
    expect(events.at(-1)).to.deep.include({ type: 'summary', valid: true, errors: 0, exit_code: 0 });
    expect(events).to.deep.include({
      type: 'warning',
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
      expect(jsonEvents(json.stdout)).to.deep.include.members([
        {
          type: 'error',
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

  describe('--show-connections (and -v): how each host would be reached', () => {
    const PASSWORD = 'Unit7Pw';
    /** A HOME of its own: the test must not read the user's ~/.ssh/config. */
    const env = () => ({ HOME: tempDir('lbprov-home-'), LBPROV_AUTH_PASS: PASSWORD });

    /** The stand-in lab inventory with user, port and policy left to an OpenSSH config beside it. */
    function throughConfig(): string {
      const file = tempLabInventory();
      const dir = dirname(file);
      writeFileSync(
        join(dir, 'ssh_config'),
        [
          'Host 192.168.56.2?',
          '    HostName rs-%h.example',
          '    User ops',
          '    Port 2222',
          '    ProxyJump jump@bastion:2200',
          'Host bastion',
          '    HostName 192.168.56.50',
          '',
        ].join('\n'),
      );
      writeFileSync(
        file,
        readFileSync(file, 'utf8')
          .replace('  user: root\n', '  config_file: ./ssh_config\n')
          .replace('  port: 22\n', ''),
      );
      return file;
    }

    it('shows every host: the address dialled, user, port, files, policy and jump hosts, each with its origin', async () => {
      const file = tempLabInventory();
      const dir = dirname(file);
      const run = await runLbprov(['validate', '--show-connections', file], env());
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      const lines = run.stdout.split('\n');
      expect(lines[0]).to.equal(
        'Connections, as the commands that connect dial them (OpenSSH config: none read):',
      );
      const lb1 = lines.indexOf('  lb1 (director): root@192.168.56.10:22');
      expect(lb1, run.stdout).to.be.greaterThan(0);
      expect(lines.slice(lb1 + 1, lb1 + 9)).to.deep.equal([
        '    address          192.168.56.10 (inventory)',
        '    user             root (inventory)',
        '    port             22 (inventory)',
        `    identity file    ${join(dir, 'id_ed25519')} (inventory)`,
        `    known_hosts      ${join(dir, 'known_hosts')} (inventory)`,
        '    host key policy  strict (inventory)',
        '    become           no',
        '    jump hosts       none: dialled directly',
      ]);
      for (const host of [
        'lb2 (director)',
        'rs1 (real server)',
        'rs2 (real server)',
        '192.168.56.30 (verify client)',
      ])
        expect(run.stdout).to.include(`  ${host}: root@`);
      expect(run.stdout).to.match(/: valid( \(\d+ warnings?\))?\n$/);
      expect(run.stdout + run.stderr).not.to.include(PASSWORD);
    });

    it('says which values the OpenSSH config gave, and the jump chain hop by hop', async () => {
      const file = throughConfig();
      const dir = dirname(file);
      const run = await runLbprov(['validate', '--show-connections', file], env());
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      expect(run.stdout).to.include(`(OpenSSH config: ${join(dir, 'ssh_config')}):`);
      const lines = run.stdout.split('\n');
      const rs1 = lines.indexOf(
        '  rs1 (real server): ops@rs-192.168.56.21.example:2222 via jump@192.168.56.50:2200',
      );
      expect(rs1, run.stdout).to.be.greaterThan(0);
      expect(lines.slice(rs1 + 1, rs1 + 11)).to.deep.equal([
        '    address          rs-192.168.56.21.example (ssh config)',
        '    user             ops (ssh config)',
        '    port             2222 (ssh config)',
        `    identity file    ${join(dir, 'id_ed25519')} (inventory)`,
        `    known_hosts      ${join(dir, 'known_hosts')} (inventory)`,
        '    host key policy  strict (inventory)',
        '    become           no',
        '    jump hosts       1, first hop first (ssh config)',
        `      1. jump@192.168.56.50:2200 (bastion), identity file ${join(dir, 'id_ed25519')}`,
        '  rs2 (real server): ops@rs-192.168.56.22.example:2222 via jump@192.168.56.50:2200',
      ]);
      // A director matches no block of the config: lbprov's default user.
      expect(run.stdout).to.include(
        '  lb1 (director): root@192.168.56.10:22\n    address          192.168.56.10 (inventory)\n    user             root (default)',
      );
    });

    it('-v shows the same', async () => {
      const file = tempLabInventory();
      const [shown, verbose] = await Promise.all([
        runLbprov(['validate', '--show-connections', file], env()),
        runLbprov(['-v', 'validate', file], env()),
      ]);
      expect(verbose.code).to.equal(0);
      expect(verbose.stdout).to.equal(shown.stdout);
    });

    it('--json: one connection event per host, before the summary', async () => {
      const file = throughConfig();
      const dir = dirname(file);
      const run = await runLbprov(['validate', '--json', '--show-connections', file], env());
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      const events = jsonEvents(run.stdout);
      const connections = events.filter((event) => event.type === 'connection');
      expect(connections.map((event) => [event.host, event.role])).to.deep.equal([
        ['lb1', 'director'],
        ['lb2', 'director'],
        ['rs1', 'real_server'],
        ['rs2', 'real_server'],
        ['192.168.56.30', 'verify_client'],
      ]);
      expect(connections[2]).to.deep.equal({
        type: 'connection',
        host: 'rs1',
        role: 'real_server',
        address: 'rs-192.168.56.21.example',
        port: 2222,
        user: 'ops',
        identity_file: join(dir, 'id_ed25519'),
        known_hosts: join(dir, 'known_hosts'),
        host_key_policy: 'strict',
        become: false,
        jump: [
          {
            name: 'bastion',
            address: '192.168.56.50',
            port: 2200,
            user: 'jump',
            identity_file: join(dir, 'id_ed25519'),
          },
        ],
        origin: {
          address: 'ssh config',
          user: 'ssh config',
          port: 'ssh config',
          identity_file: 'inventory',
          known_hosts: 'inventory',
          host_key_policy: 'inventory',
          jump: 'ssh config',
        },
        ssh_config_file: join(dir, 'ssh_config'),
      });
      expect(events.at(-1)).to.deep.include({ type: 'summary', valid: true, exit_code: 0 });
      expect(run.stdout + run.stderr).not.to.include(PASSWORD);
    });

    it('an inline password is never shown, and an invalid inventory says why no connection is shown', async () => {
      const file = tempLabInventory();
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace(/auth_pass:\n.*\n/, `auth_pass: "${PASSWORD}"\n`),
      );
      const valid = await runLbprov(['validate', '--show-connections', file], env());
      expect(valid.code, valid.stdout).to.equal(0);
      expect(valid.stdout).to.include('  lb1 (director):');
      const invalid = await runLbprov(
        ['validate', '--show-connections', 'test/fixtures/howto-mistakes/lb-kind-lowercase.yaml'],
        env(),
      );
      expect(invalid.code).to.equal(4);
      expect(invalid.stdout).to.include('Connections: not shown, the inventory has errors (fix them first)');
      for (const run of [valid, invalid]) expect(run.stdout + run.stderr).not.to.include(PASSWORD);
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
