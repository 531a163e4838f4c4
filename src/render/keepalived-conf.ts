import type { Director, Inventory } from '../model/inventory.js';
import { MANAGED_HEADER } from './header.js';
import {
  redisVirtualServices,
  renderMiscCheck,
  SCRIPT_SECURITY_LINES,
  type RedisVirtualService,
} from './redis-check-conf.js';
import { isVersionBelow } from './version.js';

/** Where keepalived reads its configuration; the init script and the unit pass it with `-f`. */
export const KEEPALIVED_CONF_PATH = '/etc/keepalived/keepalived.conf';

/**
 * The two grammars lbprov writes.
 * - `'1.2'`: keepalived before 1.2.20. Its TCP_CHECK knows only connect_port, bindto and
 *   connect_timeout; `nb_get_retry`/`delay_before_retry` belong to HTTP_GET/SSL_GET there and the
 *   parser silently skips unknown keywords, so writing them would look like retries but be none.
 * - `'2'`: 1.2.20 and later (all of 2.x), where TCP_CHECK takes `retry` and `delay_before_retry`.
 *   2.x `-t` rejects `nb_get_retry` in TCP_CHECK and `nat_mask` (defect 6).
 */
export type KeepalivedSyntax = '1.2' | '2';

/** TCP_CHECK gained `retry`/`delay_before_retry` in keepalived 1.2.20 (check_tcp.c). */
const FIRST_VERSION_WITH_TCP_RETRY = '1.2.20';
/** `keepalived -t/--config-test` appeared in 2.0.4. */
const FIRST_VERSION_WITH_CONFIG_TEST = '2.0.4';
/** Linux interface names, and so address labels, hold at most 15 characters (IFNAMSIZ - 1). */
const MAX_LABEL_LENGTH = 15;

export function keepalivedSyntaxFor(version: string): KeepalivedSyntax {
  return isVersionBelow(version, FIRST_VERSION_WITH_TCP_RETRY) ? '1.2' : '2';
}

export function hasConfigTest(version: string): boolean {
  return !isVersionBelow(version, FIRST_VERSION_WITH_CONFIG_TEST);
}

interface KeepalivedConfOptions {
  /** The resolved VRRP password (the inventory may name an environment variable instead). */
  authPass: string;
  syntax: KeepalivedSyntax;
}

/** keepalived.conf for one director: its VRRP instance and the LVS service it balances. */
export function renderKeepalivedConf(
  inv: Inventory,
  director: Director,
  opts: KeepalivedConfOptions,
): string {
  return [
    MANAGED_HEADER,
    `# Director ${director.name} (${director.state}), keepalived ${opts.syntax === '1.2' ? '< 1.2.20' : '>= 1.2.20'} syntax.`,
    '',
    renderGlobalDefs(inv, director, opts.syntax),
    '',
    renderVrrpInstance(inv, director, opts.authPass, opts.syntax),
    '',
    ...renderVirtualServers(inv, opts.syntax).flatMap((server) => [server, '']),
  ].join('\n');
}

function renderGlobalDefs(inv: Inventory, director: Director, syntax: KeepalivedSyntax): string {
  return [
    'global_defs {',
    `    router_id ${confToken('router_id', director.name)}`,
    ...(inv.service.connection_sync && syntax === '2'
      ? [...CONNECTION_SYNC_NOTE, `    lvs_sync_daemon ${confToken('interface', director.interface)} VI_1`]
      : []),
    ...(inv.service.check.type === 'redis' && syntax === '2' ? SCRIPT_SECURITY_LINES : []),
    '}',
  ].join('\n');
}

/**
 * The sync daemon runs MASTER where the instance is MASTER and BACKUP elsewhere, with the VRID as
 * its sync id; before 1.2.20 it is named inside the VRRP instance, later in global_defs (1.2.20
 * moved it there and fixed a crash at shutdown when an instance named it).
 */
const CONNECTION_SYNC_NOTE = [
  "    # The MASTER's IPVS sends its connection table to the BACKUP (224.0.0.81, UDP 8848) so",
  '    # established connections survive a failover (service.connection_sync).',
];

function renderVrrpInstance(
  inv: Inventory,
  director: Director,
  authPass: string,
  syntax: KeepalivedSyntax,
): string {
  const { vrrp } = inv;
  const device = confToken('interface', director.interface);
  const connectionSync =
    inv.service.connection_sync && syntax === '1.2'
      ? [...CONNECTION_SYNC_NOTE, `    lvs_sync_daemon_interface ${device}`]
      : [];
  return [
    'vrrp_instance VI_1 {',
    ...renderStateAndPreemption(vrrp, director),
    `    interface ${device}`,
    `    virtual_router_id ${vrrp.virtual_router_id}`,
    `    priority ${director.priority}`,
    `    advert_int ${vrrp.advert_int}`,
    ...(vrrp.unicast ? renderUnicast(inv.directors, director) : []),
    ...connectionSync,
    '    authentication {',
    `        auth_type ${vrrp.auth_type}`,
    `        auth_pass ${confToken('auth_pass', authPass)}`,
    '    }',
    // The VIP carries its subnet's prefix and sits on the VRRP interface; only keepalived adds
    // it (defect 11). The label shows it as <interface>:0, as the how-to's ifcfg alias did.
    '    virtual_ipaddress {',
    `        ${vrrp.vip.address}/${vrrp.vip.prefix_length} dev ${device}${vipLabel(device)}`,
    '    }',
    '}',
  ].join('\n');
}

/**
 * Preemption as VRRP has it (the default) keeps the inventory's state. nopreempt and preempt_delay
 * work only on a director configured as BACKUP: keepalived 2.x clears both after `state MASTER`
 * ("will not work with initial state MASTER"), 1.2.x goes MASTER at start without reading them. So
 * every director starts as BACKUP then; the highest priority still wins the first election, which
 * is why the inventory's MASTER (validated as the highest) stays the preferred director.
 */
function renderStateAndPreemption(vrrp: Inventory['vrrp'], director: Director): string[] {
  if (vrrp.preempt && vrrp.preempt_delay === 0) return [`    state ${director.state}`];
  const policy = vrrp.preempt ? `preempt_delay ${vrrp.preempt_delay}` : 'nopreempt';
  return [
    `    # ${director.state} in the inventory (priority ${director.priority}); BACKUP here because ${policy} needs it.`,
    '    state BACKUP',
    `    ${policy}`,
  ];
}

/**
 * The peers are told apart from this director by host, not by object: callers pass copies (the
 * BACKUP standing in renders itself with a raised priority). A director among its own peers would
 * hear its own adverts.
 */
function renderUnicast(directors: Director[], self: Director): string[] {
  const peers = directors.filter((peer) => peer.host !== self.host);
  return [
    `    unicast_src_ip ${confToken('unicast_src_ip', self.host)}`,
    '    unicast_peer {',
    ...peers.map((peer) => `        ${confToken('unicast_peer', peer.host)}`),
    '    }',
  ];
}

function vipLabel(device: string): string {
  const label = `${device}:0`;
  // The kernel refuses longer labels; the VIP works without one, it only shows no alias name.
  return label.length <= MAX_LABEL_LENGTH ? ` label ${label}` : '';
}

/** One virtual server on the service port; with the Redis check, one more per Redis service. */
function renderVirtualServers(inv: Inventory, syntax: KeepalivedSyntax): string[] {
  const { port } = inv.service;
  if (inv.service.check.type === 'tcp') return [renderVirtualServer(inv, syntax, { port })];
  return redisVirtualServices(inv).map((service) => renderVirtualServer(inv, syntax, service));
}

function renderVirtualServer(inv: Inventory, syntax: KeepalivedSyntax, service: RedisVirtualService): string {
  const settings = inv.service;
  return [
    ...virtualServiceNote(service),
    `virtual_server ${inv.vrrp.vip.address} ${service.port} {`,
    `    delay_loop ${settings.delay_loop}`,
    `    lb_algo ${settings.lb_algo}`,
    // No nat_mask: it means nothing in DR mode and later keepalived rejects it (defect 12).
    `    lb_kind ${settings.lb_kind}`,
    `    protocol ${settings.protocol}`,
    ...(syntax === '1.2' ? legacyCheckNote(inv) : []),
    // The real servers are the Redis hosts, never the directors (defects 7, 8).
    ...inv.real_servers.flatMap((server) => [
      '',
      ...renderRealServer(inv, confToken('real_server', server.host), server.weight, syntax, service),
    ]),
    '}',
  ].join('\n');
}

function virtualServiceNote(service: RedisVirtualService): string[] {
  if (service.role === 'master') {
    return ['# Writes: every real server is checked, only the Redis primary passes (role:master).'];
  }
  if (service.role === 'replica') {
    return ['# Reads (redis.read_port): only replicas whose link to the primary is up pass.'];
  }
  return [];
}

function legacyCheckNote(inv: Inventory): string[] {
  const { check } = inv.service;
  const [kind, attempt] = check.type === 'tcp' ? ['TCP_CHECK', 'connect'] : ['MISC_CHECK', 'check'];
  return [
    '',
    `    # keepalived < 1.2.20: ${kind} has no retry. One failed ${attempt} removes a real server`,
    '    # until a later check (every delay_loop seconds) succeeds. The inventory asks for',
    `    # retry ${check.retry}, delay_before_retry ${check.delay_before_retry}; this version cannot honour that.`,
  ];
}

function renderRealServer(
  inv: Inventory,
  address: string,
  weight: number,
  syntax: KeepalivedSyntax,
  service: RedisVirtualService,
): string[] {
  const { check } = inv.service;
  // The check keywords live inside the check's block; directly in real_server they are ignored and
  // no health check runs at all (defect 6).
  const retries =
    syntax === '2'
      ? [`            retry ${check.retry}`, `            delay_before_retry ${check.delay_before_retry}`]
      : [];
  return [
    `    real_server ${address} ${service.port} {`,
    `        weight ${weight}`,
    ...(check.type === 'redis'
      ? renderMiscCheck(inv, address, service, retries)
      : [
          '        TCP_CHECK {',
          `            connect_port ${service.port}`,
          `            connect_timeout ${check.connect_timeout}`,
          ...retries,
          '        }',
        ]),
    '    }',
  ];
}

/**
 * keepalived splits lines on white space and treats `#`/`!` as comments and `"` as quoting, so a
 * value holding any of them would be read as something else. Refuse rather than write a file
 * that keepalived silently misreads.
 */
function confToken(keyword: string, value: string): string {
  if (!/^[^\s#!"{}]+$/.test(value)) {
    throw new Error(
      `cannot write ${keyword} ${JSON.stringify(value)} into keepalived.conf: ` +
        'it must be non-empty without white space or any of # ! " { }',
    );
  }
  return value;
}
