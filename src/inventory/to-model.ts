import path from 'node:path';
import type {
  Director,
  Inventory,
  RealServer,
  SecretSource,
  SourceArtifact,
  SshSettings,
} from '../model/inventory.js';
import type { InventoryFile } from './schema.js';
import { parseVip } from './shapes.js';

/** Turns a valid inventory file into the model: defaults merged, paths absolute, secrets typed. */
export function toModel(data: InventoryFile, file: string, home: string): Inventory {
  const absoluteFile = path.resolve(file);
  const expand = (p: string) => expandLocalPath(p, path.dirname(absoluteFile), home);
  const ssh = withExpandedPaths({ ...data.ssh }, expand);
  const hostSsh = (override: Partial<SshSettings> | undefined) =>
    withExpandedPaths({ ...ssh, ...override }, expand);
  const vip = parseVip(data.vrrp.vip);
  if ('message' in vip) throw new Error(`toModel called with an invalid VIP: ${vip.message}`);

  const directors: Director[] = data.directors.map((d) => ({
    host: d.host,
    name: d.name ?? d.host,
    ssh: hostSsh(d.ssh),
    state: d.state,
    priority: d.priority,
    interface: d.interface ?? data.vrrp.interface,
  }));
  const realServers: RealServer[] = data.real_servers.map((r) => ({
    host: r.host,
    name: r.name ?? r.host,
    ssh: hostSsh(r.ssh),
    weight: r.weight,
  }));
  const { auth_pass } = data.vrrp;
  const { password: redisPassword, ...redis } = data.redis;

  return {
    file: absoluteFile,
    ssh,
    keepalived: { ...artifact(data.keepalived), prefix: data.keepalived.prefix },
    ipvsadm: artifact(data.ipvsadm),
    vrrp: {
      ...data.vrrp,
      auth_pass: secretSource(auth_pass),
      vip,
    },
    service: data.service,
    directors,
    real_servers: realServers,
    redis: { ...redis, ...(redisPassword === undefined ? {} : { password: secretSource(redisPassword) }) },
    ...(data.verify ? { verify: data.verify } : {}),
    allow_vrrp_only: data.allow_vrrp_only,
    destroy: data.destroy,
  };
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

function withExpandedPaths(ssh: SshSettings, expand: (p: string) => string): SshSettings {
  const { identity_file, ...rest } = ssh;
  return {
    ...rest,
    known_hosts: expand(ssh.known_hosts),
    ...(identity_file === undefined ? {} : { identity_file: expand(identity_file) }),
  };
}

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
