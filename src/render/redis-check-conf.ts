import type { Inventory } from '../model/inventory.js';
import { hasPrimary } from '../model/redis-topology.js';
import { REDIS_CHECK_PATH, type RedisCheckRole } from './redis-check.js';

/**
 * The Redis check's side of keepalived.conf: which virtual services there are, what each asks of
 * its real servers, and the MISC_CHECK block that asks it.
 */

/** One virtual service on the VIP, by the port clients use (LVS-DR keeps it up to the real server). */
export interface RedisVirtualService {
  port: number;
  /** Absent: any Redis that answers PING (independent servers, or no topology). */
  role?: RedisCheckRole;
}

/**
 * keepalived ends a MISC_CHECK after misc_timeout seconds. The check ends itself after
 * connect_timeout (connect, AUTH, PING and INFO together: milliseconds on a LAN) and needs up to
 * one more second for `timeout` to kill a stuck child. The margin lets it end and say why before
 * keepalived kills it (which also marks the server down, silently).
 */
const MISC_TIMEOUT_MARGIN = 2;

/**
 * primary-replica: the service port reaches the primary only (role master on every real server,
 * so a replica Sentinel promotes enters the pool by itself), and redis.read_port, when set, spreads
 * reads over the replicas in sync. LVS-DR (the only kind lbprov prepares real servers for) cannot
 * change the port: the packet reaches the real server addressed to VIP:read_port, where the real
 * server redirects it to Redis's port (renderReadPortRedirect).
 */
export function redisVirtualServices(inv: Inventory): RedisVirtualService[] {
  const { port } = inv.service;
  if (!hasPrimary(inv)) return [{ port }];
  const write: RedisVirtualService = { port, role: 'master' };
  const readPort = inv.redis.read_port;
  if (readPort === undefined) return [write];
  return [write, { port: readPort, role: 'replica' }];
}

/**
 * The check connects to the service's port on the real server: for the read service that is
 * read_port, so a real server whose redirect is missing stays out of the read pool.
 * misc_path is one double-quoted string: keepalived 1.2.x joins its words and hands them to
 * /bin/sh, 2.x splits them into arguments and runs the program itself. Both treat `"`, `#` and
 * `!` specially; the values here are a fixed path, numbers, a role and an address confToken checked.
 * `retries`: the 2.x keywords, in the check's own block as for TCP_CHECK (empty before 1.2.20).
 */
export function renderMiscCheck(
  inv: Inventory,
  address: string,
  service: RedisVirtualService,
  retries: string[],
): string[] {
  const { connect_timeout } = inv.service.check;
  const command = [REDIS_CHECK_PATH, '-t', String(connect_timeout), address, String(service.port)];
  if (service.role) command.push(service.role);
  return [
    '        MISC_CHECK {',
    `            misc_path "${command.join(' ')}"`,
    `            misc_timeout ${connect_timeout + MISC_TIMEOUT_MARGIN}`,
    ...retries,
    '        }',
  ];
}

/**
 * keepalived 2.x wants enable_script_security for a check script run as root: without it, 2.2.7
 * reports a "SECURITY VIOLATION" and `keepalived -t` exits 6, so apply's validation would refuse
 * the file. With it, keepalived runs the script only while no one but root can rewrite it or its
 * folders. The check must run as root: it reads the root-only password file. Before 1.3 these
 * keywords do not exist and the parser skips them.
 */
export const SCRIPT_SECURITY_LINES = [
  "    # lbprov's Redis check runs as root (it reads the root-only password file); keepalived runs",
  '    # it only while root alone can write it and its folders.',
  '    enable_script_security',
  '    script_user root',
];
