/**
 * The desired state of a cluster, as a validated inventory describes it.
 * Field names mirror the inventory file (the file format is a published contract),
 * so an error about `vrrp.auth_pass` points at the same words the user wrote.
 */

export type HostKeyPolicy = 'strict' | 'accept-new';

/** Who said a connection value: the inventory, the OpenSSH client config, or lbprov's default. */
export type SettingOrigin = 'inventory' | 'ssh config' | 'default';

/** The connection values whose origin is kept, for `lbprov validate --show-connections`. */
type SshOrigins = Partial<
  Record<
    'host_name' | 'user' | 'port' | 'identity_file' | 'known_hosts' | 'host_key_policy' | 'jump',
    SettingOrigin
  >
>;

export interface SshSettings {
  user: string;
  port: number;
  /** Absolute path after `~` expansion; absent means ssh-agent. */
  identity_file?: string;
  known_hosts: string;
  host_key_policy: HostKeyPolicy;
  /** true: run as root through sudo. */
  become: boolean;
  /** The address to connect to, when the OpenSSH config gives a HostName; known_hosts names it too. */
  host_name?: string;
  /** Jump hosts, first hop first: the inventory's proxy_jump, else the OpenSSH config's ProxyJump. */
  jump: JumpHost[];
  /**
   * Where each value present came from, so that an operator can tell why lbprov dials what it
   * dials; absent where the settings were not read from an inventory (tests, fixtures).
   */
  origin?: SshOrigins;
}

/** A jump host (bastion), resolved like any host in the OpenSSH config; its key is checked like the target's. */
export interface JumpHost {
  /** As written in proxy_jump / ProxyJump, for messages. */
  name: string;
  /** Where to connect (its HostName, else `name`). */
  host: string;
  user: string;
  port: number;
  identity_file?: string;
}

/** A secret is either written inline or read from the control side's environment at run time. */
export type SecretSource = { value: string } | { env: string };

export interface SourceArtifact {
  version: string;
  source: string;
  /** Lower-case hex, or absent when the inventory gives none. */
  sha256?: string;
  /** Who downloads: the host (auto: when it can reach the URL) or lbprov, which then uploads. */
  fetch: 'auto' | 'host' | 'control';
}

interface KeepalivedSettings extends SourceArtifact {
  prefix: string;
}

export interface Vip {
  address: string;
  prefix_length: number;
}

interface VrrpSettings {
  interface: string;
  virtual_router_id: number;
  advert_int: number;
  auth_type: 'PASS' | 'AH';
  auth_pass: SecretSource;
  vip: Vip;
  /**
   * true: adverts go from this director's host (unicast_src_ip) to every other director's host
   * (unicast_peer) instead of the VRRP multicast group; validation makes every director's host an
   * IPv4 address then.
   */
  unicast: boolean;
  /**
   * false: a director that took the VIP keeps it when the preferred one (the inventory's MASTER,
   * the highest priority) comes back (keepalived's nopreempt).
   */
  preempt: boolean;
  /** Seconds the preferred director waits after its keepalived starts before taking the VIP back. */
  preempt_delay: number;
}

type LbAlgo =
  'rr' | 'wrr' | 'lc' | 'wlc' | 'lblc' | 'lblcr' | 'dh' | 'sh' | 'sed' | 'nq' | 'mh' | 'fo' | 'ovf' | 'twos';

export interface ServiceSettings {
  port: number;
  protocol: 'TCP' | 'UDP';
  lb_algo: LbAlgo;
  lb_kind: 'NAT' | 'DR' | 'TUN';
  delay_loop: number;
  /**
   * The MASTER's IPVS sync daemon sends its connection table to the BACKUP's (multicast 224.0.0.81,
   * UDP 8848 on the VRRP interface), so established connections survive a failover.
   */
  connection_sync: boolean;
  check: {
    /** redis: keepalived's MISC_CHECK runs lbprov's Redis check; tcp: TCP_CHECK (the how-to's). */
    type: 'redis' | 'tcp';
    connect_timeout: number;
    retry: number;
    delay_before_retry: number;
  };
}

/** What every host entry may override of the inventory-wide defaults. */
export interface HostEntry {
  /** Address or DNS name lbprov connects to. */
  host: string;
  /** Label in output and records: the optional `name` field, else `host`. */
  name: string;
  ssh: SshSettings;
}

export interface Director extends HostEntry {
  state: 'MASTER' | 'BACKUP';
  priority: number;
  /** The VRRP interface on this director (inventory-wide `vrrp.interface` unless overridden). */
  interface: string;
}

export interface RealServer extends HostEntry {
  weight: number;
}

export type RedisTopology = 'independent' | 'primary-replica';

export interface SentinelSettings {
  down_after_ms: number;
  failover_timeout_ms: number;
  /** Directors (inventory names) that run a Sentinel too, for a quorum with fewer than 3 real servers. */
  also_on: string[];
}

interface RedisSettings {
  manage: boolean;
  install: boolean;
  /** requirepass on the real servers (when lbprov manages Redis); absent: Redis asks for none. */
  password?: SecretSource;
  /** Absent: the inventory predates topologies; lbprov behaves as `independent` and warns. */
  topology?: RedisTopology;
  /** primary-replica: the real server's name (or host) that starts as primary; absent: the first. */
  primary?: string;
  /** primary-replica: a second virtual service port on the VIP over the replicas. */
  read_port?: number;
  /** primary-replica with Sentinel; absent: no Sentinel (a failed primary stays failed). */
  sentinel?: SentinelSettings;
}

export interface Inventory {
  /** Absolute path of the file this was read from (for messages and relative paths). */
  file: string;
  ssh: SshSettings;
  /** The OpenSSH client config the ssh settings were completed from, if one was read. */
  ssh_config_file?: string;
  keepalived: KeepalivedSettings;
  ipvsadm: SourceArtifact;
  vrrp: VrrpSettings;
  service: ServiceSettings;
  directors: Director[];
  real_servers: RealServer[];
  redis: RedisSettings;
  /** The host that checks the service through the VIP, reached like the others (`ssh`: its settings). */
  verify?: { client: string; ssh: SshSettings };
  allow_vrrp_only: boolean;
  /**
   * auto: on a director whose nftables or iptables drops incoming packets, apply inserts a rule that
   * lets VRRP (IP protocol 112) in, and destroy removes it; skip: the host firewall is left alone.
   */
  firewall: 'auto' | 'skip';
  /** remove_packages: destroy also purges the packages lbprov installed (build dependencies, Redis). */
  destroy: { remove_packages: boolean };
}
