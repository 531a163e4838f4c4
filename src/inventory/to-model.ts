import path from 'node:path';
import type {
  Director,
  HostKeyPolicy,
  Inventory,
  JumpHost,
  RealServer,
  SecretSource,
  SentinelSettings,
  SettingOrigin,
  SourceArtifact,
  SshSettings,
} from '../model/inventory.js';
import type { InventoryFile } from './schema.js';
import {
  OpenSshConfig,
  parseProxyJump,
  SshConfigError,
  type JumpHop,
  type OpenSshHostConfig,
} from './ssh-config.js';
import { parseVip } from './shapes.js';

/** Where the OpenSSH client config comes from, and what it says (empty when none is read). */
export interface SshConfigSource {
  file?: string;
  config: OpenSshConfig;
  /** The control side's user name: OpenSSH's default user for a jump host. */
  localUser: string;
}

const NO_SSH_CONFIG: SshConfigSource = { config: OpenSshConfig.empty, localUser: 'root' };

/**
 * Turns a valid inventory file into the model: defaults merged, paths absolute, secrets typed.
 * Throws SshConfigError when the OpenSSH config says something lbprov cannot honour for a host.
 */
export function toModel(
  data: InventoryFile,
  file: string,
  home: string,
  sshConfig: SshConfigSource = NO_SSH_CONFIG,
): Inventory {
  const absoluteFile = path.resolve(file);
  const expand = (p: string) => expandLocalPath(p, path.dirname(absoluteFile), home);
  const { config_file: _configFile, ...inventoryWide } = data.ssh;
  const hostSsh = (alias: string, override: InventorySsh | undefined) =>
    resolveSsh(alias, { ...inventoryWide, ...override }, sshConfig, expand);
  const ssh = resolveSsh(undefined, inventoryWide, NO_SSH_CONFIG, expand);
  const vip = parseVip(data.vrrp.vip);
  if ('message' in vip) throw new Error(`toModel called with an invalid VIP: ${vip.message}`);

  const directors: Director[] = data.directors.map((d) => ({
    host: d.host,
    name: d.name ?? d.host,
    ssh: hostSsh(d.host, d.ssh),
    state: d.state,
    priority: d.priority,
    interface: d.interface ?? data.vrrp.interface,
  }));
  const realServers: RealServer[] = data.real_servers.map((r) => ({
    host: r.host,
    name: r.name ?? r.host,
    ssh: hostSsh(r.host, r.ssh),
    weight: r.weight,
  }));
  const { auth_pass } = data.vrrp;
  const { password: redisPassword, sentinel, ...redis } = data.redis;
  const sentinelSettings = sentinelOf(sentinel);

  return {
    file: absoluteFile,
    ssh,
    ...(sshConfig.file === undefined ? {} : { ssh_config_file: sshConfig.file }),
    keepalived: { ...artifact(data.keepalived), prefix: data.keepalived.prefix },
    ipvsadm: artifact(data.ipvsadm),
    vrrp: {
      ...data.vrrp,
      auth_pass: secretSource(auth_pass),
      vip,
    },
    service: {
      ...data.service,
      connection_sync: data.service.connection_sync ?? !data.allow_vrrp_only,
      check: { ...data.service.check, type: data.service.check.type ?? (redis.topology ? 'redis' : 'tcp') },
    },
    directors,
    real_servers: realServers,
    redis: {
      ...redis,
      ...(redisPassword === undefined ? {} : { password: secretSource(redisPassword) }),
      ...(sentinelSettings === undefined ? {} : { sentinel: sentinelSettings }),
    },
    ...(data.verify
      ? { verify: { client: data.verify.client, ssh: hostSsh(data.verify.client, undefined) } }
      : {}),
    allow_vrrp_only: data.allow_vrrp_only,
    firewall: data.firewall,
    destroy: data.destroy,
  };
}

const SENTINEL_DEFAULTS: SentinelSettings = { down_after_ms: 5000, failover_timeout_ms: 60000, also_on: [] };

function sentinelOf(written: InventoryFile['redis']['sentinel']): SentinelSettings | undefined {
  if (written === undefined || written === false) return undefined;
  return written === true ? SENTINEL_DEFAULTS : written;
}

function secretSource(secret: string | { env: string }): SecretSource {
  return typeof secret === 'string' ? { value: secret } : { env: secret.env };
}

/** `~` is the control user's home; a relative path is read from the inventory's folder, not the cwd. */
export function expandLocalPath(p: string, baseDir: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return path.join(home, p.slice(2));
  return path.resolve(baseDir, p);
}

type InventorySsh = Omit<InventoryFile['ssh'], 'config_file'>;

/** ssh's defaults, where neither the inventory nor the OpenSSH config says anything. */
const SSH_DEFAULTS = {
  user: 'root',
  port: 22,
  known_hosts: '~/.ssh/known_hosts',
  host_key_policy: 'strict',
} as const;

/**
 * One host's connection: what the inventory says wins, then the OpenSSH config for the host as
 * written (`alias`), then lbprov's defaults. The config cannot weaken host key checking: only its
 * `accept-new` is taken (when the inventory sets no policy); `no` or `off` leave it strict.
 */
function resolveSsh(
  alias: string | undefined,
  inventory: InventorySsh,
  source: SshConfigSource,
  expand: (p: string) => string,
): SshSettings {
  const file = source.file ?? 'ssh config';
  const openSsh: OpenSshHostConfig = alias === undefined ? {} : source.config.forHost(alias, file);
  const user = firstSaid(inventory.user, openSsh.user, SSH_DEFAULTS.user);
  const port = firstSaid(inventory.port, openSsh.port, SSH_DEFAULTS.port);
  const identity = firstSaid(inventory.identity_file, openSsh.identityFile, undefined);
  const knownHosts = firstSaid(inventory.known_hosts, openSsh.userKnownHostsFile, SSH_DEFAULTS.known_hosts);
  const policy = firstSaid<HostKeyPolicy>(
    inventory.host_key_policy,
    openSsh.strictHostKeyChecking === 'accept-new' ? 'accept-new' : undefined,
    SSH_DEFAULTS.host_key_policy,
  );
  const hostName = openSsh.hostName === alias ? undefined : openSsh.hostName;
  const settings: SshSettings = {
    user: user.value,
    port: port.value,
    ...(identity.value === undefined ? {} : { identity_file: expand(identity.value) }),
    known_hosts: expand(knownHosts.value),
    host_key_policy: policy.value,
    become: inventory.become ?? false,
    ...(hostName === undefined ? {} : { host_name: hostName }),
    jump: [],
    origin: {
      user: user.origin,
      port: port.origin,
      ...(identity.value === undefined ? {} : { identity_file: identity.origin }),
      known_hosts: knownHosts.origin,
      host_key_policy: policy.origin,
      ...(hostName === undefined ? {} : { host_name: 'ssh config' }),
    },
  };
  const hops =
    inventory.proxy_jump !== undefined
      ? parseProxyJump(inventory.proxy_jump, 'proxy_jump')
      : openSsh.proxyJump;
  const jumps = hops?.filter((hop) => hop.host !== alias) ?? [];
  if (jumps.length > 0) {
    settings.jump = jumpHosts(jumps, settings, source, expand, file, 0);
    settings.origin = {
      ...settings.origin,
      jump: inventory.proxy_jump !== undefined ? 'inventory' : 'ssh config',
    };
  }
  return settings;
}

/** The first of the inventory's value, the OpenSSH config's and lbprov's default that is said, and whose it is. */
function firstSaid<T>(
  inventory: T | undefined,
  openSsh: T | undefined,
  fallback: T,
): { value: T; origin: SettingOrigin } {
  if (inventory !== undefined) return { value: inventory, origin: 'inventory' };
  if (openSsh !== undefined) return { value: openSsh, origin: 'ssh config' };
  return { value: fallback, origin: 'default' };
}

/** Each hop resolved in the OpenSSH config as OpenSSH does, its own ProxyJump first. */
function jumpHosts(
  hops: JumpHop[],
  target: SshSettings,
  source: SshConfigSource,
  expand: (p: string) => string,
  file: string,
  depth: number,
): JumpHost[] {
  if (depth > MAX_JUMP_DEPTH) {
    throw new SshConfigError(`${file}: ProxyJump chains more than ${MAX_JUMP_DEPTH} hosts (a loop?)`);
  }
  return hops.flatMap((hop) => {
    const openSsh = source.config.forHost(hop.host, file);
    const identity = openSsh.identityFile !== undefined ? expand(openSsh.identityFile) : target.identity_file;
    // `Host *` with a ProxyJump matches the jump host too: OpenSSH skips a jump to itself.
    const own = openSsh.proxyJump?.filter((next) => next.host !== hop.host) ?? [];
    const before = own.length > 0 ? jumpHosts(own, target, source, expand, file, depth + 1) : [];
    return [
      ...before,
      {
        name: hop.host,
        host: openSsh.hostName ?? hop.host,
        user: hop.user ?? openSsh.user ?? source.localUser,
        port: hop.port ?? openSsh.port ?? SSH_DEFAULTS.port,
        ...(identity === undefined ? {} : { identity_file: identity }),
      },
    ];
  });
}

const MAX_JUMP_DEPTH = 8;

function artifact(a: {
  version: string;
  source: string;
  sha256?: string | undefined;
  fetch: SourceArtifact['fetch'];
}): SourceArtifact {
  // `sha256: ""` in the file means "no digest given".
  return {
    version: a.version,
    source: a.source,
    fetch: a.fetch,
    ...(a.sha256 ? { sha256: a.sha256.toLowerCase() } : {}),
  };
}
