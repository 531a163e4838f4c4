// How each host is reached: the inventory's ssh settings, completed from the operator's OpenSSH
// client config (~/.ssh/config, or ssh.config_file), as `lbprov` loads an inventory.
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { loadInventory } from '../../../src/inventory/index.js';

const LAB = readFileSync('inventory/lab.yaml', 'utf8');
/** The lab inventory with nothing said about users, ports or host key policy: the config decides. */
const SILENT = LAB.replace('  user: root\n', '')
  .replace('  port: 22\n', '')
  .replace(/ {2}host_key_policy: .*\n/, '');

describe('inventory: ssh settings completed from the OpenSSH config', () => {
  let home: string;
  let dir: string;
  const load = async (inventory: string, config?: string) => {
    if (config !== undefined) writeFileSync(join(home, '.ssh', 'config'), config);
    const file = join(dir, 'lab.yaml');
    writeFileSync(file, inventory);
    return loadInventory(file, { HOME: home, LBPROV_AUTH_PASS: 'lbpass1' });
  };
  const host = async (inventory: string, config: string | undefined, name: string) => {
    const { inventory: model, errors } = await load(inventory, config);
    expect(errors, JSON.stringify(errors)).to.deep.equal([]);
    return [...model!.directors, ...model!.real_servers].find((entry) => entry.host === name)!.ssh;
  };

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'lbprov-home-'));
    mkdirSync(join(home, '.ssh'));
    dir = mkdtempSync(join(tmpdir(), 'lbprov-inv-'));
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('without a config: lbprov defaults (root, 22, strict), no jump host', async () => {
    expect(await host(SILENT, undefined, '192.168.56.21')).to.deep.include({
      user: 'root',
      port: 22,
      host_key_policy: 'strict',
      jump: [],
    });
  });

  it("the config's HostName, User, Port and ProxyJump for what the inventory leaves out; each hop resolved in the config too", async () => {
    const config = [
      'Host bastion',
      '    HostName 192.168.56.50',
      '    User jump',
      '    IdentityFile ~/.ssh/bastion_key',
      'Host 192.168.56.2?',
      '    HostName rs.%h.example',
      '    User ops',
      '    Port 2222',
      '    ProxyJump bastion,admin@edge:2200',
      '    StrictHostKeyChecking accept-new',
      '',
    ].join('\n');
    const ssh = await host(SILENT, config, '192.168.56.21');
    expect(ssh).to.deep.include({
      user: 'ops',
      port: 2222,
      host_name: 'rs.192.168.56.21.example',
      host_key_policy: 'accept-new',
    });
    expect(ssh.jump).to.deep.equal([
      {
        name: 'bastion',
        host: '192.168.56.50',
        user: 'jump',
        port: 22,
        identity_file: join(home, '.ssh', 'bastion_key'),
      },
      { name: 'edge', host: 'edge', user: 'admin', port: 2200, identity_file: ssh.identity_file },
    ]);
    // Where each value came from, for validate --show-connections.
    expect(ssh.origin).to.deep.equal({
      host_name: 'ssh config',
      user: 'ssh config',
      port: 'ssh config',
      identity_file: 'inventory',
      known_hosts: 'inventory',
      host_key_policy: 'ssh config',
      jump: 'ssh config',
    });
    // Directors match no block: untouched.
    expect(await host(SILENT, config, '192.168.56.10')).to.deep.include({ user: 'root', port: 22, jump: [] });
  });

  it('a jump host with no user anywhere gets the local user, as OpenSSH does', async () => {
    const ssh = await host(SILENT, 'Host *\n    ProxyJump bastion\n', '192.168.56.22');
    expect(ssh.jump).to.deep.include.members([
      {
        name: 'bastion',
        host: 'bastion',
        user: userInfo().username,
        port: 22,
        identity_file: ssh.identity_file,
      },
    ]);
  });

  it('the inventory wins where both say something, its proxy_jump included', async () => {
    const inventory = LAB.replace(
      '  become: false # already root\n',
      '  become: false\n  proxy_jump: ops@gate:2022\n',
    );
    const ssh = await host(
      inventory,
      'Host *\n    User nobody\n    Port 2222\n    ProxyJump bastion\n',
      '192.168.56.21',
    );
    expect(ssh).to.deep.include({ user: 'root', port: 22, host_key_policy: 'strict' });
    expect(ssh.origin).to.include({ user: 'inventory', port: 'inventory', jump: 'inventory' });
    // gate is reached as the config says for it (Host *: through bastion), as ssh -J would.
    expect(ssh.jump.map((hop) => hop.name)).to.deep.equal(['bastion', 'gate']);
    expect(ssh.jump[1]).to.include({ name: 'gate', user: 'ops', port: 2022 });
  });

  it('never weakens host key checking: StrictHostKeyChecking no leaves it strict', async () => {
    const ssh = await host(SILENT, 'Host *\n    StrictHostKeyChecking no\n', '192.168.56.21');
    expect(ssh.host_key_policy).to.equal('strict');
    expect(ssh.origin?.host_key_policy).to.equal('default');
  });

  it('ssh.config_file: none reads no config', async () => {
    const inventory = SILENT.replace('ssh:\n', 'ssh:\n  config_file: none\n');
    expect(await host(inventory, 'Host *\n    User nobody\n', '192.168.56.21')).to.include({ user: 'root' });
  });

  it('a ssh.config_file that is not there: exit-4 error naming the key, nothing else tried', async () => {
    const inventory = SILENT.replace('ssh:\n', 'ssh:\n  config_file: ./ssh_config\n');
    const { inventory: model, errors } = await load(inventory);
    expect(model).to.equal(undefined);
    expect(errors).to.have.length(1);
    expect(errors[0]).to.deep.include({ path: 'ssh.config_file' });
    expect(errors[0]!.message).to.equal(`ssh.config_file ${join(dir, 'ssh_config')}: no such file`);
  });

  it('ProxyCommand for an inventory host: an error naming the config file and the host', async () => {
    const { inventory: model, errors } = await load(
      SILENT,
      'Host 192.168.56.22\n    ProxyCommand nc %h %p\n',
    );
    expect(model).to.equal(undefined);
    expect(errors[0]).to.deep.include({ file: join(home, '.ssh', 'config') });
    expect(errors[0]!.message).to.equal(
      'ProxyCommand for 192.168.56.22: lbprov does not run ProxyCommand; use ProxyJump (a jump host) instead',
    );
  });

  it('a proxy_jump the inventory writes wrong: refused at its key', async () => {
    const inventory = LAB.replace(
      '  become: false # already root\n',
      '  become: false\n  proxy_jump: "ops@ gate"\n',
    );
    const { errors } = await load(inventory);
    expect(errors).to.have.length(1);
    expect(errors[0]).to.deep.include({ path: 'ssh.proxy_jump' });
    expect(errors[0]!.message).to.include('is not [user@]host[:port]');
  });
});
