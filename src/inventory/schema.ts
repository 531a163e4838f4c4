import { z } from 'zod';
import {
  checkAuthPassCharacters,
  checkEnvName,
  checkHost,
  checkInterface,
  checkLabel,
  checkLocalPath,
  checkProxyJump,
  checkRedisPassword,
  checkRemotePath,
  checkSha256,
  checkUrl,
  checkUserName,
  checkVersion,
  checkVip,
  type ShapeCheck,
} from './shapes.js';

/**
 * The inventory file as written, with defaults filled in. Objects are strict so a misspelt key is
 * reported instead of silently falling back to a default. Cross-field rules live in rules.ts.
 */

function shaped(check: ShapeCheck) {
  return z.string().superRefine((value, ctx) => {
    const problem = check(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem.message, params: { hint: problem.hint } });
  });
}

function wholeNumber(min: number, max: number) {
  const rule = `must be a whole number from ${min} to ${max}`;
  return z.number().int(rule).min(min, rule).max(max, rule);
}

/** Single fields, exported so `lbprov init` checks each answer with exactly these rules. */
export const fields = {
  host: shaped(checkHost),
  label: shaped(checkLabel),
  interface: shaped(checkInterface),
  user: shaped(checkUserName),
  localPath: shaped(checkLocalPath),
  remotePath: shaped(checkRemotePath),
  url: shaped(checkUrl),
  version: shaped(checkVersion),
  sha256: shaped(checkSha256),
  vip: shaped(checkVip),
  port: wholeNumber(1, 65535),
  virtualRouterId: wholeNumber(1, 255),
  priority: wholeNumber(1, 254),
  // VRRPv2 carries the advertisement interval in one byte of seconds.
  advertInt: wholeNumber(1, 255),
  // keepalived 1.2.x reads preempt_delay with atoi (whole seconds); above 1000 (TIMER_MAX_SEC) every
  // version logs an error and uses 0, preempting at once.
  preemptDelay: wholeNumber(0, 1000),
  weight: wholeNumber(0, 65535),
  // Sentinel's down-after-milliseconds and failover-timeout; below 100 ms a busy host looks down.
  sentinelMilliseconds: wholeNumber(100, 3_600_000),
  seconds: wholeNumber(1, 86400),
  retries: wholeNumber(0, 100),
  hostKeyPolicy: z.enum(['strict', 'accept-new']),
  proxyJump: shaped(checkProxyJump),
  state: z.enum(['MASTER', 'BACKUP']),
  authType: z.enum(['PASS', 'AH']),
  authPass: shaped(checkAuthPassCharacters),
  redisPassword: shaped(checkRedisPassword),
  envName: shaped(checkEnvName),
  protocol: z.enum(['TCP', 'UDP']),
  lbAlgo: z.enum([
    'rr',
    'wrr',
    'lc',
    'wlc',
    'lblc',
    'lblcr',
    'dh',
    'sh',
    'sed',
    'nq',
    'mh',
    'fo',
    'ovf',
    'twos',
  ]),
  /**
   * keepalived knows NAT and TUN too, but lbprov prepares real servers for direct routing only (the
   * VIP on lo, arp_ignore/arp_announce): NAT needs their default route through the director, TUN an
   * ipip tunnel on each. Accepting them would converge a cluster that forwards nothing.
   */
  lbKind: z.enum(['NAT', 'DR', 'TUN']).refine((kind) => kind === 'DR', {
    message: "lbprov sets up direct routing only (the how-to's lb_kind DR)",
    params: {
      hint: 'use lb_kind: DR; NAT would need the real servers to route through the director, TUN an ipip tunnel on each real server, and lbprov configures neither',
    },
  }),
};

// No defaults here: what the inventory leaves out, the OpenSSH client config may say (to-model
// and ssh-config apply lbprov's defaults last).
const sshOverride = z.strictObject({
  user: fields.user.optional(),
  port: fields.port.optional(),
  identity_file: fields.localPath.optional(),
  known_hosts: fields.localPath.optional(),
  host_key_policy: fields.hostKeyPolicy.optional(),
  become: z.boolean().optional(),
  proxy_jump: fields.proxyJump.optional(),
});

const sshDefaults = z
  .strictObject({
    ...sshOverride.shape,
    /** The OpenSSH client config to read; `none` reads none. */
    config_file: fields.localPath.optional(),
  })
  .prefault({});

const artifact = {
  version: fields.version,
  source: fields.url,
  sha256: fields.sha256.optional(),
  // auto: the host downloads when it can reach the URL, else lbprov downloads once and uploads.
  fetch: z.enum(['auto', 'host', 'control']).default('auto'),
};

/** A secret written inline (discouraged) or named by an environment variable read at run time. */
function secret(inline: z.ZodType<string, string>, error: string) {
  return z.union([inline, z.strictObject({ env: fields.envName })], { error });
}

const hostEntry = {
  host: fields.host,
  name: fields.label.optional(),
  ssh: sshOverride.optional(),
};

// One `port` serves both the virtual service and every real server: in DR and TUN mode
// the real-server port must equal the virtual port, and a single field makes that hold by construction.
const service = z
  .strictObject({
    port: fields.port.default(6379),
    protocol: fields.protocol.default('TCP'),
    lb_algo: fields.lbAlgo.default('rr'),
    lb_kind: fields.lbKind.default('DR'),
    delay_loop: fields.seconds.default(6),
    // IPVS's connection sync daemon on the directors, so the new MASTER knows the connections the
    // old one balanced. Absent: on, unless allow_vrrp_only (a kernel without IPVS has no sync daemon).
    connection_sync: z.boolean().optional(),
    // Always present (defaults included), so every real server gets a health check (defect 6).
    check: z
      .strictObject({
        // redis: PING (and the role, where redis.topology needs it) over the Redis protocol, as
        // keepalived's MISC_CHECK; tcp: the how-to's TCP_CHECK. Absent: redis when redis.topology is
        // set, else tcp (an inventory written before topologies keeps what it had).
        type: z.enum(['redis', 'tcp']).optional(),
        connect_timeout: fields.seconds.default(3),
        retry: fields.retries.default(3),
        delay_before_retry: fields.seconds.default(3),
      })
      .prefault({}),
  })
  .prefault({});

export const sectionSchemas = {
  ssh: sshDefaults,
  keepalived: z.strictObject({ ...artifact, prefix: fields.remotePath.default('/usr/local/keepalived') }),
  ipvsadm: z.strictObject(artifact),
  vrrp: z.strictObject({
    interface: fields.interface,
    virtual_router_id: fields.virtualRouterId,
    advert_int: fields.advertInt.default(1),
    auth_type: fields.authType.default('PASS'),
    auth_pass: secret(
      fields.authPass,
      'must be a quoted password such as "s3cret" or { env: LBPROV_AUTH_PASS }',
    ),
    vip: fields.vip,
    // Multicast is the how-to's VRRP and works on any flat LAN; unicast is for networks that drop it.
    unicast: z.boolean().default(false),
    // VRRP's default and the how-to's: the preferred director takes the VIP back as soon as it is back.
    preempt: z.boolean().default(true),
    // Seconds after keepalived starts on the preferred director before it takes the VIP back.
    preempt_delay: fields.preemptDelay.default(0),
  }),
  service,
  directors: z.array(
    z.strictObject({
      ...hostEntry,
      interface: fields.interface.optional(),
      state: fields.state,
      priority: fields.priority,
    }),
  ),
  real_servers: z
    .array(z.strictObject({ ...hostEntry, weight: fields.weight.default(1) }))
    .min(1, 'must list at least one real server (a Redis host)'),
  redis: z
    .strictObject({
      manage: z.boolean().default(true),
      install: z.boolean().default(false),
      // Written as requirepass on the real servers (redis.manage); absent: Redis asks for none.
      password: secret(
        fields.redisPassword,
        'must be a quoted password or { env: LBPROV_REDIS_PASSWORD }',
      ).optional(),
      // independent: every real server serves every client (caches, read-only data); primary-replica:
      // one writable primary behind the VIP, the others replicate it. Absent: independent, with a warning.
      topology: z.enum(['independent', 'primary-replica']).optional(),
      // primary-replica: the real server (name or host) that starts as the primary; absent: the first.
      primary: fields.label.optional(),
      // primary-replica: a second virtual service on the VIP that spreads reads over the replicas.
      read_port: fields.port.optional(),
      // primary-replica: Redis Sentinel on the real servers (and `also_on` directors) promotes a
      // replica when the primary fails. `true` takes the defaults.
      sentinel: z
        .union([
          z.boolean(),
          z.strictObject({
            down_after_ms: fields.sentinelMilliseconds.default(5000),
            failover_timeout_ms: fields.sentinelMilliseconds.default(60000),
            also_on: z.array(fields.label).default([]),
          }),
        ])
        .optional(),
    })
    .prefault({}),
  verify: z.strictObject({ client: fields.host }).optional(),
  allow_vrrp_only: z.boolean().default(false),
  // auto: where a director's nftables or iptables drops incoming packets, lbprov lets VRRP in.
  firewall: z.enum(['auto', 'skip']).default('auto'),
  destroy: z.strictObject({ remove_packages: z.boolean().default(false) }).prefault({}),
};

export const inventorySchema = z.strictObject(sectionSchemas);

export type InventoryFile = z.output<typeof inventorySchema>;
export type SectionName = keyof typeof sectionSchemas;
/** What a writer of inventory files (lbprov init) may put in one: defaults may be left out. */
export type InventoryFileInput = z.input<typeof inventorySchema>;
