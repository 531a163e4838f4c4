// The cluster behind a bastion: the directors and real servers refuse SSH from the control
// address, so lbprov reaches them only through the lab's `client` host, as an OpenSSH config's
// ProxyJump says (the operator's own ~/.ssh/config, here one the inventory names). Apply, verify
// and destroy go through it, and the bastion's host key is checked like every other. Runs after
// the upgrade tests, on hosts lbprov has emptied; leaves them so.
import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import {
  CONTROL_ADDRESS,
  LAB_HOSTS,
  LAB_IDENTITY_FILE,
  LAB_INVENTORY,
  LAB_KNOWN_HOSTS,
  labExec,
  labExecOk,
  type LabHost,
} from './support/lab.js';
import { LAB_AUTH_PASS, lbprov, type CliRun } from './support/cluster.js';
import { tempDir } from '../support/temp-dir.js';

const BEHIND: LabHost[] = ['lb1', 'lb2', 'rs1', 'rs2'];
const DROP_IN = '/etc/ssh/sshd_config.d/lbprov-test-bastion.conf';
/** The tests' own way in while the hosts refuse the control address. */
const THROUGH_CLIENT = { sshOptions: ['ProxyJump=client'] };

const captured: string[] = [];
async function cli(args: string[]): Promise<CliRun> {
  const result = await lbprov(args);
  captured.push(result.stdout, result.stderr);
  return result;
}

function inventoryWith(dir: string, knownHosts: string): string {
  const sshConfig = join(dir, 'ssh_config');
  const hosts = BEHIND.map((host) => LAB_HOSTS[host]).join(' ');
  writeFileSync(sshConfig, `Host ${hosts}\n    ProxyJump root@${LAB_HOSTS.client}\n`);
  const file = join(dir, 'lab.yaml');
  writeFileSync(
    file,
    readFileSync(LAB_INVENTORY, 'utf8')
      .replace('../lab/.run/id_ed25519', LAB_IDENTITY_FILE)
      .replace(/\.\.\/lab\/\.run\/known_hosts.*/, knownHosts)
      .replace('ssh:\n', `ssh:\n  config_file: ${sshConfig}\n`),
  );
  return file;
}

describe('through a bastion (ProxyJump in the OpenSSH config)', function () {
  let dir: string;
  let inventory: string;

  before(async () => {
    dir = tempDir('lbprov-bastion-');
    inventory = inventoryWith(dir, LAB_KNOWN_HOSTS);
    for (const host of BEHIND) {
      await labExecOk(
        host,
        `printf 'Match Address ${CONTROL_ADDRESS}\\n    DenyUsers *\\n' > ${DROP_IN} && kill -HUP "$(cat /run/sshd.pid)"`,
      );
    }
    await new Promise((done) => setTimeout(done, 500));
  });

  after(async () => {
    for (const host of BEHIND) {
      await labExecOk(host, `rm -f ${DROP_IN} && kill -HUP "$(cat /run/sshd.pid)"`, THROUGH_CLIENT);
    }
    for (const text of captured) expect(text).not.to.include(LAB_AUTH_PASS);
  });

  it('the hosts refuse this machine: without the jump host they are unreachable (exit 3)', async () => {
    expect((await labExec('rs1', 'true')).code).to.not.equal(0);
    const direct = await cli(['status', LAB_INVENTORY, '--json']);
    expect(direct.code).to.equal(3);
  });

  it('a bastion whose host key is not in known_hosts is refused (strict), naming it as the jump host', async () => {
    const withoutClient = join(dir, 'known_hosts_without_client');
    writeFileSync(
      withoutClient,
      readFileSync(LAB_KNOWN_HOSTS, 'utf8')
        .split('\n')
        .filter((line) => !line.startsWith(`${LAB_HOSTS.client} `))
        .join('\n'),
    );
    const refused = await cli([
      'status',
      inventoryWith(mkdtempSync(join(dir, 'k-')), withoutClient),
      '--json',
    ]);
    expect(refused.code).to.equal(3);
    expect(refused.stdout).to.include(`jump host ${LAB_HOSTS.client} for `);
    expect(refused.stdout).to.include(`host ${LAB_HOSTS.client} is not in ${withoutClient}`);
  });

  it('apply converges every host through it, and a re-apply changes nothing', async () => {
    const applied = await cli(['apply', inventory, '--json']);
    expect(applied.code, applied.stdout.slice(-3000) + applied.stderr).to.equal(0);
    expect(applied.summary?.changed).to.be.greaterThan(20);
    const again = await cli(['apply', inventory, '--json']);
    expect(again.code).to.equal(0);
    expect(again.summary?.changed).to.equal(0);
  });

  it('verify passes through it', async () => {
    const verified = await cli(['verify', inventory, '--json']);
    expect(verified.code, verified.stdout.slice(-3000)).to.equal(0);
  });

  it('destroy takes everything away through it', async () => {
    const destroyed = await cli(['destroy', inventory, '--yes', '--json']);
    expect(destroyed.code, destroyed.stdout.slice(-3000)).to.equal(0);
    for (const host of BEHIND) {
      expect((await labExec(host, 'test -e /var/lib/lbprov', THROUGH_CLIENT)).code, host).to.equal(1);
    }
  });
});
