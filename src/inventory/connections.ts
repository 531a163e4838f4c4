import type { HostKeyPolicy, Inventory, SettingOrigin, SshSettings } from '../model/inventory.js';

/** One hop on the way to a host, as it is dialled. */
export interface HopConnection {
  /** As written in proxy_jump / ProxyJump. */
  name: string;
  address: string;
  port: number;
  user: string;
  /** Absent: ssh-agent. */
  identity_file?: string;
}

/**
 * How the commands that connect reach one host: the values in effect after the inventory, the
 * OpenSSH client config and lbprov's defaults, each with where it came from. Paths, never keys.
 */
export interface HostConnection {
  host: string;
  role: 'director' | 'real_server' | 'verify_client';
  /** Where the TCP connection goes: the config's HostName, else the inventory's address. */
  address: string;
  port: number;
  user: string;
  /** Absent: ssh-agent. */
  identity_file?: string;
  known_hosts: string;
  host_key_policy: HostKeyPolicy;
  become: boolean;
  /** First hop first; empty: dialled directly. */
  jump: HopConnection[];
  origin: Partial<
    Record<
      'address' | 'user' | 'port' | 'identity_file' | 'known_hosts' | 'host_key_policy' | 'jump',
      SettingOrigin
    >
  >;
  /** The OpenSSH client config that was read, when one was. */
  ssh_config_file?: string;
}

/** Every host of the inventory, in the order the file lists them, then the verification client. */
export function hostConnections(inventory: Inventory): HostConnection[] {
  const config =
    inventory.ssh_config_file === undefined ? {} : { ssh_config_file: inventory.ssh_config_file };
  const describe = (host: string, address: string, role: HostConnection['role'], ssh: SshSettings) => ({
    ...connection(host, address, role, ssh),
    ...config,
  });
  return [
    ...inventory.directors.map((d) => describe(d.name, d.host, 'director', d.ssh)),
    ...inventory.real_servers.map((r) => describe(r.name, r.host, 'real_server', r.ssh)),
    ...(inventory.verify
      ? [describe(inventory.verify.client, inventory.verify.client, 'verify_client', inventory.verify.ssh)]
      : []),
  ];
}

function connection(
  host: string,
  address: string,
  role: HostConnection['role'],
  ssh: SshSettings,
): HostConnection {
  const { host_name: hostName, ...origin } = ssh.origin ?? {};
  return {
    host,
    role,
    address: ssh.host_name ?? address,
    port: ssh.port,
    user: ssh.user,
    ...(ssh.identity_file === undefined ? {} : { identity_file: ssh.identity_file }),
    known_hosts: ssh.known_hosts,
    host_key_policy: ssh.host_key_policy,
    become: ssh.become,
    jump: ssh.jump.map((hop) => ({
      name: hop.name,
      address: hop.host,
      port: hop.port,
      user: hop.user,
      ...(hop.identity_file === undefined ? {} : { identity_file: hop.identity_file }),
    })),
    // The address is the inventory's unless the OpenSSH config gave a HostName.
    origin: { address: hostName ?? 'inventory', ...origin },
  };
}
