import { z } from 'zod';
import { shellQuote } from '../util/shell.js';
import { parseArgs } from './args.js';
import type { Module } from './types.js';

const schema = z.object({ allow_vrrp_only: z.boolean() }).strict();

type IpvsArgs = z.output<typeof schema>;

/**
 * Runs after keepalived is stopped (destroy goes newest first), when its virtual servers are gone:
 * /proc/net/ip_vs is then its three header lines. A table that still lists services belongs to
 * someone else, and a module something still holds stays: both are left loaded, not forced out.
 */
export function unloadIpvsScript(proc = '/proc'): string {
  const table = shellQuote(`${proc}/net/ip_vs`);
  return [
    `if [ -e ${table} ] && [ "$(grep -c . ${table})" -le 3 ]; then`,
    `  modprobe -r $(awk '$1 ~ /^ip_vs_/ { print $1 }' ${shellQuote(`${proc}/modules`)}) ip_vs 2>/dev/null || echo 'ip_vs is in use: left loaded'`,
    'fi',
  ].join('\n');
}

/**
 * LVS needs IPVS in the kernel. Loaded: ok. Loadable: load it now and at boot. Missing: stop,
 * unless the operator allowed the degraded VRRP-only mode (where keepalived runs with --vrrp).
 */
export const ipvsModule: Module<IpvsArgs> = {
  name: 'ipvs',
  parseArgs: (raw) => parseArgs('ipvs', schema, raw),
  facts: () => [],
  check(args, _facts, host) {
    switch (host.facts.ipvs) {
      case 'present':
        return { status: 'ok', reason: 'the kernel has IPVS (/proc/net/ip_vs)' };
      case 'loadable':
        return {
          status: 'change',
          change: {
            description: 'load the ip_vs kernel module now and at boot',
            actions: [
              {
                kind: 'shell',
                description: 'load ip_vs',
                script:
                  "modprobe ip_vs && mkdir -p /etc/modules-load.d && printf 'ip_vs\\n' > /etc/modules-load.d/lbprov-ipvs.conf",
              },
            ],
            undo: [
              {
                kind: 'shell',
                resource: 'module:ip_vs',
                description: 'unload the ip_vs kernel module lbprov loaded',
                script: unloadIpvsScript(),
              },
              {
                kind: 'remove_file',
                resource: 'file:/etc/modules-load.d/lbprov-ipvs.conf',
                path: '/etc/modules-load.d/lbprov-ipvs.conf',
              },
            ],
          },
        };
      case 'absent':
        if (args.allow_vrrp_only) {
          return {
            status: 'ok',
            reason: `VRRP-ONLY MODE: kernel ${host.facts.kernel} has no IPVS; keepalived runs with --vrrp and balances nothing (allow_vrrp_only)`,
          };
        }
        return {
          status: 'fail',
          reason: `kernel ${host.facts.kernel} has no IPVS (/proc/net/ip_vs is absent and modprobe ip_vs cannot load it)`,
          hint: 'run the directors on a kernel with IPVS (CONFIG_IP_VS), or set allow_vrrp_only: true to run keepalived VRRP-only (no load balancing)',
        };
    }
  },
};
