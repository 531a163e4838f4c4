import type { Director, Inventory, RealServer } from '../model/inventory.js';
import { ipvsadmBuildPlan, keepalivedBuildPlan, type BuildPlan } from '../render/build-recipes.js';
import { renderIfcfgAlias } from '../render/ifcfg.js';
import {
  hasConfigTest,
  KEEPALIVED_CONF_PATH,
  keepalivedSyntaxFor,
  renderKeepalivedConf,
} from '../render/keepalived-conf.js';
import { renderSyncDaemonAfterReload } from '../render/sync-daemon.js';
import { IPVS_RELEASE_PATH, renderIpvsRelease } from '../render/ipvs-release.js';
import { renderReadPortRedirect } from '../render/redis-check-redirect.js';
import {
  renderKeepalivedDefaults,
  renderKeepalivedInitScript,
  renderKeepalivedUnit,
} from '../render/keepalived-init.js';
import {
  ARP_SYSCTL_PATH,
  REAL_SERVER_SERVICE,
  renderRealServerScript,
  renderRealServerUnit,
} from '../render/realserver-script.js';
import {
  REDIS_CHECK_PASSWORD_PATH,
  REDIS_CHECK_PASSWORD_REGEXP,
  REDIS_CHECK_PATH,
  renderRedisCheck,
  renderRedisCheckPassword,
} from '../render/redis-check.js';
import {
  REDIS_AUTH_INCLUDE,
  REDIS_AUTH_INCLUDE_REGEXP,
  REDIS_AUTH_PATH,
  REDIS_SECRET_REGEXP,
  renderRedisAuth,
} from '../render/redis-auth.js';
import { hasPrimary } from '../model/redis-topology.js';
import { replicationVars, sentinelVars } from './redis-topology-vars.js';
import type { DirectorVars, RealServerVars } from '../playbook/role-vars.js';
import { firewallTraffic, type FirewallRuleName } from '../steps/firewall.js';

/** Where sources are fetched and built; destroy removes the whole folder. */
const SOURCE_ROOT = '/usr/local/src/lbprov';
// /var/run exists on old and new hosts alike (it links to /run where /run exists).
export const KEEPALIVED_PID_FILE = '/var/run/keepalived.pid';

/** The build module takes the plan as it is, less its dependencies: the package step installs both builds' at once. */
function buildArgs(plan: BuildPlan): DirectorVars['keepalived']['build'] {
  const { subject, steps, verify, installedPaths, binary } = plan;
  return { subject, steps, verify, installedPaths, binary };
}

/** Where one source archive comes from, where it is unpacked, and how it is built. */
function sourceArchiveVars(
  name: 'keepalived' | 'ipvsadm',
  source: { version: string; source: string; sha256?: string; fetch: DirectorVars['ipvsadm']['fetch'] },
  plan: BuildPlan,
): DirectorVars['ipvsadm'] {
  return {
    version: source.version,
    source: source.source,
    sha256: source.sha256 ?? '',
    fetch: source.fetch,
    tarball: `${SOURCE_ROOT}/${name}-${source.version}.tar.gz`,
    src_dir: sourceDir(name, source.version),
    build: buildArgs(plan),
  };
}

function sourceDir(name: 'keepalived' | 'ipvsadm', version: string): string {
  return `${SOURCE_ROOT}/${name}-${version}`;
}

function union(...lists: string[][]): string[] {
  return [...new Set(lists.flat())];
}

/**
 * The variables the director playbook reads: every value computed here, in TypeScript, never in YAML.
 * `redisPassword`: the resolved redis.password, absent when the inventory sets none.
 */
export function directorVars(
  inventory: Inventory,
  director: Director,
  authPass: string,
  redisPassword?: string,
): DirectorVars {
  const kv = inventory.keepalived;
  const iv = inventory.ipvsadm;
  const keepalivedPlan = keepalivedBuildPlan({
    version: kv.version,
    prefix: kv.prefix,
    srcDir: sourceDir('keepalived', kv.version),
  });
  const ipvsadmPlan = ipvsadmBuildPlan({ version: iv.version, srcDir: sourceDir('ipvsadm', iv.version) });
  const defaults = renderKeepalivedDefaults({ vrrpOnlyWithoutIpvs: inventory.allow_vrrp_only });
  const firewallRules: FirewallRuleName[] = inventory.service.connection_sync
    ? ['vrrp', 'ipvs-sync']
    : ['vrrp'];
  return {
    host: {
      name: director.name,
      address: director.host,
      state: director.state,
      interface: director.interface,
    },
    allow_vrrp_only: inventory.allow_vrrp_only,
    firewall: inventory.firewall,
    firewall_rules: firewallRules,
    firewall_lets_in: firewallTraffic(firewallRules),
    source_root: SOURCE_ROOT,
    build_dependencies: {
      apt: union(keepalivedPlan.buildDependencies.apt, ipvsadmPlan.buildDependencies.apt),
      dnf: union(keepalivedPlan.buildDependencies.dnf, ipvsadmPlan.buildDependencies.dnf),
    },
    keepalived: {
      ...sourceArchiveVars('keepalived', kv, keepalivedPlan),
      binary: keepalivedPlan.binary,
      pid_file: KEEPALIVED_PID_FILE,
      conf_path: KEEPALIVED_CONF_PATH,
      conf: renderKeepalivedConf(inventory, director, { authPass, syntax: keepalivedSyntaxFor(kv.version) }),
      after_reload: renderSyncDaemonAfterReload(inventory, director, {
        syntax: keepalivedSyntaxFor(kv.version),
        ipvsadm: ipvsadmPlan.binary,
      }),
      // `keepalived -t` exists from 2.0.4; older versions are checked by starting them.
      conf_validate: hasConfigTest(kv.version) ? `${keepalivedPlan.binary} -t -f {}` : '',
      defaults,
      ipvs_release: {
        path: IPVS_RELEASE_PATH,
        program: renderIpvsRelease({
          vip: inventory.vrrp.vip.address,
          ipvsadm: ipvsadmPlan.binary,
          keepalived: keepalivedPlan.binary,
        }),
      },
      init_script_debian: renderKeepalivedInitScript({
        prefix: kv.prefix,
        pidFile: KEEPALIVED_PID_FILE,
        defaultsPath: '/etc/default/keepalived',
      }),
      init_script_rhel: renderKeepalivedInitScript({
        prefix: kv.prefix,
        pidFile: KEEPALIVED_PID_FILE,
        defaultsPath: '/etc/sysconfig/keepalived',
      }),
      unit_debian: renderKeepalivedUnit(kv.prefix, '/etc/default/keepalived'),
      unit_rhel: renderKeepalivedUnit(kv.prefix, '/etc/sysconfig/keepalived'),
    },
    ipvsadm: sourceArchiveVars('ipvsadm', iv, ipvsadmPlan),
    ifcfg: {
      path: `/etc/sysconfig/network-scripts/ifcfg-${director.interface}:0`,
      content: renderIfcfgAlias(director.interface, inventory.vrrp.vip),
    },
    redis_check: redisCheckVars(inventory, redisPassword),
    redis_sentinel: sentinelVars(inventory, director, redisPassword),
  };
}

function redisCheckVars(inventory: Inventory, redisPassword?: string): DirectorVars['redis_check'] {
  const install = inventory.service.check.type === 'redis';
  const password = install ? redisPassword : undefined;
  return {
    install,
    path: REDIS_CHECK_PATH,
    program: renderRedisCheck(),
    password_path: REDIS_CHECK_PASSWORD_PATH,
    password_set: password !== undefined,
    password: password === undefined ? '' : renderRedisCheckPassword(password),
    password_regexp: REDIS_CHECK_PASSWORD_REGEXP,
  };
}

/** `redisPassword`: the resolved redis.password, absent when the inventory sets none. */
export function realServerVars(
  inventory: Inventory,
  server: RealServer,
  redisPassword?: string,
): RealServerVars {
  const vip = inventory.vrrp.vip.address;
  const script = `/etc/init.d/${REAL_SERVER_SERVICE}`;
  return {
    host: { name: server.name, address: server.host },
    vip,
    arp_sysctl_path: ARP_SYSCTL_PATH,
    realserver: {
      service: REAL_SERVER_SERVICE,
      script_path: script,
      script: renderRealServerScript(vip),
      unit_path: `/etc/systemd/system/${REAL_SERVER_SERVICE}.service`,
      unit: renderRealServerUnit(script),
      status: `${script} status`,
    },
    redis: {
      manage: inventory.redis.manage,
      install: inventory.redis.install,
      port: inventory.service.port,
      // Loopback for local tools, the host address for health checks, the VIP for LVS-DR traffic.
      bind: `bind 127.0.0.1 ${server.host} ${vip}`,
      password_set: redisPassword !== undefined,
      auth: {
        path: REDIS_AUTH_PATH,
        // Arguments are filled for every step, even one `when` skips: without a password nothing writes this.
        content:
          redisPassword === undefined
            ? ''
            : renderRedisAuth(redisPassword, { masterauth: hasPrimary(inventory) }),
        include: REDIS_AUTH_INCLUDE,
        include_regexp: REDIS_AUTH_INCLUDE_REGEXP,
        secret_regexp: REDIS_SECRET_REGEXP,
      },
      replication: replicationVars(inventory, server),
      sentinel: sentinelVars(inventory, server, redisPassword),
      read_port: readPortVars(inventory),
    },
  };
}

/** Without redis.read_port only `absent` and `undo` are used: they act on lbprov's rule whatever its port. */
function readPortVars(inventory: Inventory): RealServerVars['redis']['read_port'] {
  const readPort = hasPrimary(inventory) ? inventory.redis.read_port : undefined;
  const redirect = renderReadPortRedirect(readPort ?? 0, inventory.service.port);
  return { wanted: readPort !== undefined, port: readPort ?? 0, ...redirect };
}
