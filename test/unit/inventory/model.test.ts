import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatDiagnostic, loadInventory, validateInventoryText } from '../../../src/inventory/index.js';
import { tempDir } from '../../support/temp-dir.js';

const BASE_FILE = new URL('../../fixtures/inventories/base.yaml', import.meta.url);

describe('inventory model', () => {
  let base: string;
  before(async () => {
    base = await readFile(BASE_FILE, 'utf8');
  });

  it('fills in defaults a minimal inventory leaves out', () => {
    const minimal = [
      'keepalived: { version: "2.2.7", source: "https://example.org/keepalived-2.2.7.tar.gz" }',
      'ipvsadm: { version: "1.31", source: "https://example.org/ipvsadm-1.31.tar.gz" }',
      'vrrp: { interface: eth0, virtual_router_id: 51, auth_pass: { env: LBPROV_AUTH_PASS }, vip: 10.0.0.200/24 }',
      'directors: [{ host: 10.0.0.10, state: MASTER, priority: 101 }, { host: 10.0.0.11, state: BACKUP, priority: 10 }]',
      'real_servers: [{ host: 10.0.0.21 }]',
    ].join('\n');
    const { inventory, errors } = validateInventoryText(minimal, '/srv/lb/inventory.yaml', {
      HOME: '/home/op',
    });
    expect(errors).to.deep.equal([]);
    expect(inventory?.ssh).to.deep.equal({
      user: 'root',
      port: 22,
      known_hosts: '/home/op/.ssh/known_hosts',
      host_key_policy: 'strict',
      become: false,
      jump: [],
      origin: { user: 'default', port: 'default', known_hosts: 'default', host_key_policy: 'default' },
    });
    expect(inventory?.keepalived.prefix).to.equal('/usr/local/keepalived');
    expect(inventory?.vrrp).to.include({ advert_int: 1, auth_type: 'PASS' });
    expect(inventory?.service).to.deep.equal({
      port: 6379,
      protocol: 'TCP',
      lb_algo: 'rr',
      lb_kind: 'DR',
      delay_loop: 6,
      // allow_vrrp_only is false: every director has IPVS, so its connections are synced.
      connection_sync: true,
      // No redis.topology: the how-to's TCP_CHECK, as before topologies existed.
      check: { type: 'tcp', connect_timeout: 3, retry: 3, delay_before_retry: 3 },
    });
    expect(inventory?.real_servers[0]).to.include({ host: '10.0.0.21', name: '10.0.0.21', weight: 1 });
    expect(inventory?.redis).to.deep.equal({ manage: true, install: false });
    expect(inventory?.allow_vrrp_only).to.equal(false);
    expect(inventory?.verify).to.equal(undefined);
    expect(inventory?.destroy).to.deep.equal({ remove_packages: false });
  });

  it('types the VIP, the secret and the digests', () => {
    const text = base
      .replace('{ env: LBPROV_AUTH_PASS }', '"s3cret"')
      .replace('sha256: ""', `sha256: ${'AB'.repeat(32)}`);
    const { inventory } = validateInventoryText(text, 'inventory.yaml', {});
    expect(inventory?.vrrp.vip).to.deep.equal({ address: '192.168.56.200', prefix_length: 24 });
    expect(inventory?.vrrp.auth_pass).to.deep.equal({ value: 's3cret' });
    expect(inventory?.keepalived.sha256).to.equal('ab'.repeat(32));
    expect(inventory?.ipvsadm).to.not.have.property('sha256');
  });

  it('keeps an environment reference as a reference', () => {
    const { inventory } = validateInventoryText(base, 'inventory.yaml', { LBPROV_AUTH_PASS: 'abc' });
    expect(inventory?.vrrp.auth_pass).to.deep.equal({ env: 'LBPROV_AUTH_PASS' });
  });

  it('merges per-host ssh overrides and resolves relative paths against the inventory folder', () => {
    const text = base
      .replace(
        '  known_hosts: ~/.ssh/known_hosts',
        '  known_hosts: ~/.ssh/known_hosts\n  identity_file: keys/lab',
      )
      .replace(
        '{ host: 192.168.56.22,',
        '{ ssh: { user: deploy, become: true, port: 2222 }, host: 192.168.56.22,',
      )
      .replace('state: BACKUP,', 'interface: ens4, state: BACKUP,');
    const { inventory, errors } = validateInventoryText(text, '/srv/lb/inventory.yaml', { HOME: '/home/op' });
    expect(errors).to.deep.equal([]);
    expect(inventory?.file).to.equal('/srv/lb/inventory.yaml');
    expect(inventory?.ssh.identity_file).to.equal('/srv/lb/keys/lab');
    expect(inventory?.real_servers[1]?.ssh).to.deep.equal({
      user: 'deploy',
      port: 2222,
      become: true,
      identity_file: '/srv/lb/keys/lab',
      known_hosts: '/home/op/.ssh/known_hosts',
      host_key_policy: 'strict',
      jump: [],
      // The host's own ssh: and the inventory-wide one are both the inventory.
      origin: {
        user: 'inventory',
        port: 'inventory',
        identity_file: 'inventory',
        known_hosts: 'inventory',
        host_key_policy: 'inventory',
      },
    });
    expect(inventory?.real_servers[0]?.ssh.user).to.equal('root');
    expect(inventory?.directors.map((d) => d.interface)).to.deep.equal(['eth0', 'ens4']);
  });

  it('reports every error at once, in file order', () => {
    const text = base
      .replace('virtual_router_id: 51', 'virtual_router_id: 0')
      .replace('lb_kind: DR', 'lb_kind: dr');
    const { errors, inventory } = validateInventoryText(text, 'inventory.yaml', {});
    expect(errors.map((e) => e.path)).to.deep.equal(['vrrp.virtual_router_id', 'service.lb_kind']);
    expect(inventory).to.equal(undefined);
  });

  it('points at the offending value by line and column', () => {
    const text = base.replace('state: MASTER', 'state: master');
    const [error] = validateInventoryText(text, 'inventory.yaml', {}).errors;
    expect(error).to.include({ line: 31, column: 35, path: 'directors[0].state', severity: 'error' });
  });

  it('formats a diagnostic as file:line:col: severity: path: message; hint', () => {
    const text = base.replace('{ env: LBPROV_AUTH_PASS }', '"123456789"');
    const [error] = validateInventoryText(text, 'inventory.yaml', {}).errors;
    expect(error && formatDiagnostic(error)).to.equal(
      'inventory.yaml:21:14: error: vrrp.auth_pass: is 9 characters; keepalived uses at most 8 (7 for 1.2.x) and silently cuts the rest; hint: choose a password of at most 8 characters',
    );
  });

  it('reports a missing file with a way to create one', async () => {
    const { errors } = await loadInventory('/nonexistent/inventory.yaml', {});
    expect(errors).to.have.length(1);
    expect(errors[0]).to.include({ file: '/nonexistent/inventory.yaml', line: 1, message: 'no such file' });
    expect(errors[0]?.hint).to.include('lbprov init');
  });

  it('loads a file from disk', async () => {
    const dir = tempDir('lbprov-inv-');
    const file = path.join(dir, 'inventory.yaml');
    await writeFile(file, base);
    const { inventory, errors } = await loadInventory(file, {});
    expect(errors).to.deep.equal([]);
    expect(inventory?.directors.map((d) => d.state)).to.deep.equal(['MASTER', 'BACKUP']);
  });
});
