/**
 * Reading a Redis topology: the commands that ask Redis and Sentinel who is primary, and parsers of
 * their answers. redis-cli prints replies and errors alike on standard output and exits 0 when it
 * reached the server, so the parsers judge the text, never the exit code alone.
 *
 * The Redis password never travels from lbprov for these reads: a host that runs Redis for lbprov
 * already holds it in REDIS_AUTH_PATH (root:redis, 0640), and the command reads it there into
 * REDISCLI_AUTH, an environment variable of redis-cli only. lbprov's scripts reach a host as
 * `sh -c <script>`, an argument every local user can read in ps, so the secret must not be in the
 * script; it is in neither the command, the output (INFO shows no password) nor an error.
 */
import { REDIS_AUTH_PATH } from '../render/redis-auth.js';
import { SENTINEL_MASTER_NAME, SENTINEL_PORT } from '../model/redis-topology.js';
import { shellQuote } from '../util/shell.js';
import { firstLine } from '../util/printable.js';

/** How long each redis-cli call may take; `timeout` exits 124 when it runs out. */
export const REDIS_ANSWER_TIMEOUT_SECONDS = 5;

/**
 * A replica counts as in sync while it is at most this far behind the primary's replication stream.
 * Each host is read at a slightly different moment, so a primary taking writes is always a little
 * ahead; 1 MiB is Redis's default repl-backlog-size, beyond which a replica that lost its link can
 * no longer catch up by a partial resync.
 */
export const IN_SYNC_BYTES = 1024 * 1024;

/** Sets REDISCLI_AUTH from the host's own lbprov password file (no output unless it is missing). */
export const AUTH_FROM_HOST_FILE = `REDISCLI_AUTH=$(sed -n 's/^[[:space:]]*requirepass[[:space:]]\\{1,\\}//p' ${REDIS_AUTH_PATH} | head -n 1); export REDISCLI_AUTH`;

/**
 * `redis-cli ... <args>` against `address:port` from the host it runs on; `hostPassword`: first
 * read the password from that host's own file (the host runs lbprov's Redis).
 */
export function redisCliCommand(address: string, port: number, args: string[], hostPassword = false): string {
  const call = `timeout ${REDIS_ANSWER_TIMEOUT_SECONDS} redis-cli -h ${shellQuote(address)} -p ${port} ${args.map(shellQuote).join(' ')}`;
  return hostPassword ? `${AUTH_FROM_HOST_FILE}\n${call}` : call;
}

export function replicationCommand(address: string, port: number, hostPassword: boolean): string {
  return redisCliCommand(address, port, ['INFO', 'replication'], hostPassword);
}

export function sentinelMasterCommand(address: string): string {
  return redisCliCommand(address, SENTINEL_PORT, [
    'SENTINEL',
    'get-master-addr-by-name',
    SENTINEL_MASTER_NAME,
  ]);
}

export function sentinelQuorumCommand(address: string): string {
  return redisCliCommand(address, SENTINEL_PORT, ['SENTINEL', 'ckquorum', SENTINEL_MASTER_NAME]);
}

/** A replica as its primary lists it (`slaveN:ip=...,port=...,state=...,offset=...,lag=...`). */
export interface ListedReplica {
  ip: string;
  port: number;
  state: string;
  offset: number;
}

export type Replication =
  | { role: 'master'; offset: number; replicas: ListedReplica[] }
  | {
      role: 'slave';
      masterHost: string;
      masterPort: number;
      linkUp: boolean;
      syncing: boolean;
      offset: number;
    }
  /** Redis did not answer with INFO: `reason` is its first line (NOAUTH, refused, LOADING, ...). */
  | { role: 'unknown'; reason: string };

function fields(output: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of output.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) map.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return map;
}

function integer(value: string | undefined): number | undefined {
  return value !== undefined && /^-?\d+$/.test(value) ? Number(value) : undefined;
}

function listedReplica(value: string): ListedReplica | undefined {
  const parts = new Map(value.split(',').map((part) => part.split('=') as [string, string]));
  const port = integer(parts.get('port'));
  const offset = integer(parts.get('offset'));
  const ip = parts.get('ip');
  if (ip === undefined || port === undefined || offset === undefined) return undefined;
  return { ip, port, state: parts.get('state') ?? '', offset };
}

/** `INFO replication` as redis-cli prints it. */
export function parseReplication(output: string): Replication {
  const info = fields(output);
  const role = info.get('role');
  if (role === 'master') {
    const replicas = [...info.entries()]
      .filter(([key]) => /^slave\d+$/.test(key))
      .flatMap(([, value]) => listedReplica(value) ?? []);
    return { role, offset: integer(info.get('master_repl_offset')) ?? 0, replicas };
  }
  const masterPort = integer(info.get('master_port'));
  const masterHost = info.get('master_host');
  if (role === 'slave' && masterHost !== undefined && masterPort !== undefined) {
    return {
      role,
      masterHost,
      masterPort,
      linkUp: info.get('master_link_status') === 'up',
      syncing: info.get('master_sync_in_progress') === '1',
      offset: integer(info.get('slave_repl_offset')) ?? 0,
    };
  }
  return { role: 'unknown', reason: firstLine(output) };
}

/**
 * `SENTINEL get-master-addr-by-name`: the address and port on two lines; an unknown name prints an
 * empty line. Anything else (refused, an error) is the reason there is no answer.
 */
export function parseSentinelMaster(output: string): { host: string; port: number } | { reason: string } {
  const lines = output
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line);
  const [host, port] = lines;
  if (lines.length === 2 && host !== undefined && /^\d+$/.test(port ?? '') && !/\s/.test(host)) {
    return { host, port: Number(port) };
  }
  if (lines.length === 0)
    return { reason: `this Sentinel monitors no primary named ${SENTINEL_MASTER_NAME}` };
  return { reason: firstLine(output) };
}

/** `SENTINEL ckquorum`: "OK <n> usable Sentinels. Quorum and failover authorization can be reached". */
export function parseSentinelQuorum(output: string): { ok: boolean; usable?: number; text: string } {
  const text = firstLine(output);
  const match = /^OK (\d+) usable Sentinels/.exec(text);
  return match ? { ok: true, usable: Number(match[1]), text } : { ok: false, text };
}
