import { z } from 'zod';
import type { Director, SourceArtifact } from '../model/inventory.js';
import { buildArgsSchema } from '../steps/build.js';
import { FIREWALL_RULE_NAMES } from '../steps/firewall.js';

/**
 * What each role's playbook can read, described once: procedure/vars.ts must return the inferred
 * types (the compiler checks every field, none missing, none extra), and loading a playbook checks
 * every `{{ path }}` and `when:` path against its role's schema. Nothing is parsed with these at run
 * time, so values the model already types are taken as they are (z.custom), not described again.
 */
const text = z.string();

const sourceArchive = z.object({
  version: text,
  source: text,
  /** Empty when the inventory pins none. */
  sha256: text,
  fetch: z.custom<SourceArtifact['fetch']>(),
  tarball: text,
  src_dir: text,
  build: buildArgsSchema,
});

/** Redis Sentinel on one host (procedure/redis-topology-vars.ts); `here` false: the host runs none. */
const sentinelVarsSchema = z.object({
  here: z.boolean(),
  service: text,
  process: text,
  pid_file: text,
  binary: text,
  redis_server: text,
  /** redis.install: a director in also_on gets redis-server from its package manager. */
  install: z.boolean(),
  /** Makes `binary` (refusing clearly without redis-server), and takes it away. */
  link: text,
  unlink: text,
  conf_path: text,
  seed_record: text,
  /** Empty where no Sentinel runs. */
  conf: text,
  secret_regexp: text,
  init_script_path: text,
  init_script: text,
  unit_path: text,
  unit: text,
});

const directorVarsSchema = z.object({
  host: z.object({ name: text, address: text, state: z.custom<Director['state']>(), interface: text }),
  allow_vrrp_only: z.boolean(),
  firewall: z.enum(['auto', 'skip']),
  /** The accept rules the vrrp-firewall step keeps: VRRP, and IPVS sync with service.connection_sync. */
  firewall_rules: z.array(z.enum(FIREWALL_RULE_NAMES)),
  /** What those rules let in, for the step's name. */
  firewall_lets_in: text,
  source_root: text,
  build_dependencies: z.object({ apt: z.array(text), dnf: z.array(text) }),
  keepalived: sourceArchive.extend({
    binary: text,
    pid_file: text,
    conf_path: text,
    conf: text,
    /** Run after a reload of keepalived before 1.2.20 with connection sync (render/sync-daemon.ts); else empty. */
    after_reload: text,
    /** Empty for versions without `keepalived -t`. */
    conf_validate: text,
    defaults: text,
    /** Removes keepalived's IPVS services after it stopped (it runs with --dont-release-ipvs). */
    ipvs_release: z.object({ path: text, program: text }),
    init_script_debian: text,
    init_script_rhel: text,
    unit_debian: text,
    unit_rhel: text,
  }),
  ipvsadm: sourceArchive,
  ifcfg: z.object({ path: text, content: text }),
  /** lbprov's Redis check for MISC_CHECK (service.check.type redis) and its password file. */
  redis_check: z.object({
    install: z.boolean(),
    path: text,
    program: text,
    password_path: text,
    /** True only while the check is installed and the inventory sets redis.password. */
    password_set: z.boolean(),
    /** Empty without a password (the step that writes it is skipped then). */
    password: text,
    password_regexp: text,
  }),
  /** A Sentinel when redis.sentinel.also_on names this director. */
  redis_sentinel: sentinelVarsSchema,
});

const realServerVarsSchema = z.object({
  host: z.object({ name: text, address: text }),
  vip: text,
  arp_sysctl_path: text,
  realserver: z.object({
    service: text,
    script_path: text,
    script: text,
    unit_path: text,
    unit: text,
    status: text,
  }),
  redis: z.object({
    manage: z.boolean(),
    install: z.boolean(),
    port: z.number(),
    bind: text,
    password_set: z.boolean(),
    auth: z.object({
      path: text,
      content: text,
      include: text,
      include_regexp: text,
      secret_regexp: text,
    }),
    /** primary-replica: `kept` by lbprov's include file without Sentinel, `seeded` once with it. */
    replication: z.object({
      on: z.boolean(),
      kept: z.boolean(),
      seeded: z.boolean(),
      replica: z.boolean(),
      path: text,
      content: text,
      include: text,
      include_regexp: text,
      replicaof_regexp: text,
      /** Empty for the primary. */
      seed_line: text,
    }),
    sentinel: sentinelVarsSchema,
    /** redis.read_port: this host hands read_port to Redis's port (render/redis-check-redirect.ts). */
    read_port: z.object({
      wanted: z.boolean(),
      port: z.number(),
      check: text,
      apply: text,
      undo: text,
      absent: text,
    }),
  }),
});

export type DirectorVars = z.infer<typeof directorVarsSchema>;
export type RealServerVars = z.infer<typeof realServerVarsSchema>;
export type SentinelVars = z.infer<typeof sentinelVarsSchema>;

/** By the `role:` a playbook declares. */
export const varsSchemaByRole = { director: directorVarsSchema, real_server: realServerVarsSchema };
