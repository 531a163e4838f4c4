import type { Director, Inventory, SshSettings } from '../../../src/model/inventory.js';

const ssh: SshSettings = {
  user: 'root',
  port: 22,
  known_hosts: '/root/.ssh/known_hosts',
  host_key_policy: 'strict',
  become: false,
  jump: [],
};

/** The how-to's topology, corrected: the real servers are the Redis hosts (defect 7). */
export const seedInventory: Inventory = {
  file: '/srv/lbprov/inventory.yaml',
  ssh,
  keepalived: {
    version: '2.2.7',
    source: 'https://keepalived.org/software/keepalived-2.2.7.tar.gz',
    prefix: '/usr/local/keepalived',
    fetch: 'auto',
  },
  ipvsadm: {
    version: '1.31',
    source: 'https://mirrors.edge.kernel.org/pub/linux/utils/kernel/ipvsadm/ipvsadm-1.31.tar.gz',
    fetch: 'auto',
  },
  vrrp: {
    interface: 'eth0',
    virtual_router_id: 51,
    advert_int: 1,
    auth_type: 'PASS',
    auth_pass: { env: 'LBPROV_VRRP_PASS' },
    vip: { address: '10.8.80.200', prefix_length: 24 },
    unicast: false,
    preempt: true,
    preempt_delay: 0,
  },
  service: {
    port: 6379,
    protocol: 'TCP',
    lb_algo: 'rr',
    lb_kind: 'DR',
    delay_loop: 6,
    connection_sync: true,
    check: { type: 'tcp', connect_timeout: 3, retry: 3, delay_before_retry: 3 },
  },
  directors: [
    { host: '10.8.80.218', name: 'lb-master', ssh, state: 'MASTER', priority: 101, interface: 'eth0' },
    { host: '10.8.80.217', name: 'lb-backup', ssh, state: 'BACKUP', priority: 10, interface: 'eth0' },
  ],
  real_servers: [
    { host: '10.8.80.221', name: 'redis-1', ssh, weight: 1 },
    { host: '10.8.80.222', name: 'redis-2', ssh, weight: 1 },
  ],
  redis: { manage: false, install: false },
  allow_vrrp_only: false,
  firewall: 'auto',
  destroy: { remove_packages: false },
};

export function director(state: Director['state']): Director {
  const found = seedInventory.directors.find((candidate) => candidate.state === state);
  if (!found) throw new Error(`seed inventory has no ${state} director`);
  return found;
}
