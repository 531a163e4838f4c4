import { z } from 'zod';
import type { Director, SourceArtifact } from '../model/inventory.js';
import { buildArgsSchema } from '../steps/build.js';

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

const directorVarsSchema = z.object({
  host: z.object({ name: text, address: text, state: z.custom<Director['state']>(), interface: text }),
  allow_vrrp_only: z.boolean(),
  firewall: z.enum(['auto', 'skip']),
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
    init_script_debian: text,
    init_script_rhel: text,
    unit_debian: text,
    unit_rhel: text,
  }),
  ipvsadm: sourceArchive,
  ifcfg: z.object({ path: text, content: text }),
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
      requirepass_regexp: text,
    }),
  }),
});

export type DirectorVars = z.infer<typeof directorVarsSchema>;
export type RealServerVars = z.infer<typeof realServerVarsSchema>;

/** By the `role:` a playbook declares. */
export const varsSchemaByRole = { director: directorVarsSchema, real_server: realServerVarsSchema };
