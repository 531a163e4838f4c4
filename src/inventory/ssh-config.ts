import SSHConfig from 'ssh-config';
import { clip, escapeUnprintable } from '../util/printable.js';

/** What an OpenSSH client config says about one host, for the settings lbprov honours. */
export interface OpenSshHostConfig {
  hostName?: string;
  user?: string;
  port?: number;
  /** The first IdentityFile (OpenSSH tries them in order; lbprov uses one key or the agent). */
  identityFile?: string;
  userKnownHostsFile?: string;
  strictHostKeyChecking?: string;
  /** Jump hosts, first hop first; empty for `ProxyJump none`. */
  proxyJump?: JumpHop[];
}

export interface JumpHop {
  user?: string;
  host: string;
  port?: number;
}

export class SshConfigError extends Error {}

/** OpenSSH follows chains of any length; eight is more than any real network has. */
const MAX_HOPS = 8;

/**
 * ~/.ssh/config read the way OpenSSH reads it: for each setting the first value obtained wins,
 * Host and Match blocks apply in file order, keywords are case-insensitive. `Match exec` never
 * runs (reading a config must not run commands); its block is treated as not matching.
 */
export class OpenSshConfig {
  private constructor(private readonly config: SSHConfig | undefined) {}

  static readonly empty = new OpenSshConfig(undefined);

  static parse(text: string, file: string): OpenSshConfig {
    try {
      return new OpenSshConfig(SSHConfig.parse(text));
    } catch (error) {
      throw new SshConfigError(`${file}: not an OpenSSH client config (${(error as Error).message})`);
    }
  }

  forHost(alias: string, file: string): OpenSshHostConfig {
    if (!this.config) return {};
    const computed = this.config.compute(alias, { ignoreCase: true, matchExec: false });
    const first = (key: string): string | undefined => {
      const value = computed[key];
      return Array.isArray(value) ? value[0] : value;
    };
    const where = (key: string) => `${file}: ${key} for ${alias}`;
    const result: OpenSshHostConfig = {};
    const hostName = first('hostname');
    if (hostName !== undefined) result.hostName = expandTokens(hostName, alias);
    const user = first('user');
    if (user !== undefined) result.user = user;
    const port = first('port');
    if (port !== undefined) result.port = parsePort(port, where('Port'));
    const identityFile = first('identityfile');
    if (identityFile !== undefined && identityFile.toLowerCase() !== 'none')
      result.identityFile = identityFile;
    const knownHosts = first('userknownhostsfile');
    if (knownHosts !== undefined) result.userKnownHostsFile = knownHosts.split(/\s+/)[0]!;
    const strict = first('stricthostkeychecking');
    if (strict !== undefined) result.strictHostKeyChecking = strict.toLowerCase();
    const proxyJump = first('proxyjump');
    if (proxyJump !== undefined) result.proxyJump = parseProxyJump(proxyJump, where('ProxyJump'));
    if (first('proxycommand') !== undefined && result.proxyJump === undefined) {
      throw new SshConfigError(
        `${where('ProxyCommand')}: lbprov does not run ProxyCommand; use ProxyJump (a jump host) instead`,
      );
    }
    return result;
  }
}

/** `%h` is the host name given; `%%` a percent sign. Other tokens are not expected in HostName. */
function expandTokens(value: string, alias: string): string {
  return value.replace(/%([%h])/g, (_match, token: string) => (token === 'h' ? alias : '%'));
}

function parsePort(value: string, where: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) {
    throw new SshConfigError(`${where}: ${JSON.stringify(value)} is not a port (1-65535)`);
  }
  return port;
}

/** `ProxyJump [user@]host[:port][,...]`, or `none`. ssh:// URIs are accepted too, as OpenSSH does. */
export function parseProxyJump(value: string, where: string): JumpHop[] {
  if (value.toLowerCase() === 'none') return [];
  const specs = value.split(',');
  if (specs.length > MAX_HOPS) throw new SshConfigError(`${where}: more than ${MAX_HOPS} jump hosts`);
  return specs.map((spec) => {
    // A user name and a host name as lbprov accepts them elsewhere (no shell or terminal syntax).
    const match =
      /^(?:ssh:\/\/)?(?:([A-Za-z_][A-Za-z0-9_.-]{0,31})@)?(\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9._-]{1,253})(?::(\d{1,5}))?\/?$/.exec(
        spec.trim(),
      );
    if (!match) {
      throw new SshConfigError(
        `${where}: ${JSON.stringify(clip(escapeUnprintable(spec.trim()), 80))} is not [user@]host[:port]`,
      );
    }
    const [, user, host = '', port] = match;
    return {
      ...(user ? { user } : {}),
      host: host.replace(/^\[(.*)\]$/, '$1'),
      ...(port ? { port: parsePort(port, where) } : {}),
    };
  });
}
