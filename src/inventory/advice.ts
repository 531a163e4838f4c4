import type { Finding } from './finding.js';
import { MIN_SENTINELS } from './redis-topology-rules.js';
import type { ParsedSections } from './rules.js';
import { REDIS_PASSWORD_MAX_LENGTH, REDIS_PASSWORD_MIN_LENGTH, type Problem } from './shapes.js';

/** Findings that do not stop a run but that an operator should have read once. */
export function adviceFor(sections: ParsedSections, env: NodeJS.ProcessEnv): Finding[] {
  return [
    ...schedulingAdvice(sections),
    ...failoverAdvice(sections),
    ...authAdvice(sections, env),
    ...redisAdvice(sections, env),
    ...sourceAdvice(sections),
  ];
}

const KERNEL_DEPENDENT = new Set(['mh', 'fo', 'ovf', 'twos']);

function schedulingAdvice({ service, real_servers, redis }: ParsedSections): Finding[] {
  if (service === undefined) return [];
  const findings: Finding[] = [];
  const serving = (real_servers ?? []).filter((r) => r.weight !== undefined && r.weight > 0).length;
  // Every scheduler spreads clients; only a declared topology says whether they share one dataset.
  if (redis !== undefined && redis.topology === undefined && serving > 1) {
    findings.push({
      path: ['service', 'lb_algo'],
      message: `${service.lb_algo} spreads clients over ${serving} Redis servers that redis.topology does not describe, so lbprov treats them as independent: a key written through one is not on the others (defect 15)${service.check.type === undefined ? ", and each is checked with the how-to's TCP_CHECK, which passes on an open port (even a Redis still loading its data)" : ''}`,
      hint: `say which under redis: topology: independent for caches or read-only data (every server serves every client; this warning goes), or topology: primary-replica for one dataset (lbprov makes the others replicas of one primary, and the VIP's port reaches only the primary)${service.check.type === undefined ? '; either checks Redis over its own protocol instead of TCP_CHECK' : ''}`,
    });
  }
  if (KERNEL_DEPENDENT.has(service.lb_algo)) {
    findings.push({
      path: ['service', 'lb_algo'],
      message: `${service.lb_algo} needs the kernel module ip_vs_${service.lb_algo}, which older kernels lack`,
      hint: `check \`modinfo ip_vs_${service.lb_algo}\` on the directors, or use rr, wrr, lc or wlc`,
    });
  }
  return findings;
}

/**
 * One primary without Sentinel is one point of failure for writes. An explicit `sentinel: false`
 * says that is meant (a person fails over by hand), as `topology: independent` silences the
 * warning above.
 */
function failoverAdvice({ redis, real_servers, directors }: ParsedSections): Finding[] {
  if (redis?.topology !== 'primary-replica' || redis.sentinel !== undefined) return [];
  const servers = real_servers?.length ?? 0;
  const missing = Math.max(0, MIN_SENTINELS - servers);
  const helpers = (directors ?? []).flatMap((d) => d.name ?? d.host ?? []).slice(0, missing);
  const enable =
    missing === 0 || helpers.length < missing
      ? 'sentinel: true'
      : `sentinel: { also_on: [${helpers.join(', ')}] }`;
  return [
    {
      path: ['redis', 'topology'],
      message:
        'is primary-replica without redis.sentinel: a failed primary is not replaced, and writes through the VIP fail until it is back',
      hint: `write ${enable} under redis to have Redis Sentinel promote a replica (the VIP follows the new primary)${missing > 0 ? `; ${MIN_SENTINELS} hosts must run one, so with ${servers} real server${servers === 1 ? '' : 's'} also_on names directors` : ''}, or sentinel: false to fail over by hand`,
    },
  ];
}

function authAdvice({ vrrp }: ParsedSections, env: NodeJS.ProcessEnv): Finding[] {
  if (vrrp === undefined) return [];
  const findings: Finding[] = [];
  if (vrrp.auth_type === 'PASS') {
    findings.push({
      path: ['vrrp', 'auth_type'],
      message: 'PASS sends the VRRP password in clear text on the LAN',
      hint: 'fine on a trusted LAN: it keeps misconfigured neighbours out, not attackers',
    });
  }
  if (typeof vrrp.auth_pass === 'string') {
    findings.push({
      path: ['vrrp', 'auth_pass'],
      message: 'the password is written in the inventory file',
      hint: 'write auth_pass: { env: LBPROV_AUTH_PASS } and set that variable when running lbprov',
    });
  } else if (env[vrrp.auth_pass.env] === undefined) {
    findings.push({
      path: ['vrrp', 'auth_pass', 'env'],
      message: `${vrrp.auth_pass.env} is not set here, so its length was not checked; apply will need it`,
      hint: `export ${vrrp.auth_pass.env} (at most 8 characters, 7 for keepalived 1.2.x) before lbprov apply`,
    });
  }
  return findings;
}

/**
 * lbprov binds a managed Redis to the host address and the VIP with protected-mode off, so without
 * a password anyone who reaches either address can read and write every key.
 */
function redisAdvice({ redis }: ParsedSections, env: NodeJS.ProcessEnv): Finding[] {
  if (redis === undefined) return [];
  const { manage, password } = redis;
  if (manage && password === undefined) {
    return [
      {
        path: ['redis', 'manage'],
        message:
          "Redis will answer anyone who reaches the VIP or a real server's address: lbprov binds it to both with protected-mode no, and redis.password is not set",
        hint: 'add password: { env: LBPROV_REDIS_PASSWORD } under redis and export that variable before lbprov apply (clients then AUTH), or keep the Redis port firewalled to trusted clients',
      },
    ];
  }
  if (password === undefined) return [];
  if (!manage) {
    return [
      {
        path: ['redis', 'password'],
        message: 'is not used: lbprov configures Redis only with redis.manage: true',
        hint: 'set redis.manage: true for lbprov to set requirepass on the real servers, or remove redis.password',
      },
    ];
  }
  if (typeof password === 'string') {
    return [
      {
        path: ['redis', 'password'],
        message: 'the password is written in the inventory file',
        hint: 'write password: { env: LBPROV_REDIS_PASSWORD } and set that variable when running lbprov',
      },
    ];
  }
  if (env[password.env] !== undefined) return [];
  return [
    {
      path: ['redis', 'password', 'env'],
      message: `${password.env} is not set here, so the password was not checked; apply will need it`,
      hint: `export ${password.env} (${REDIS_PASSWORD_MIN_LENGTH} to ${REDIS_PASSWORD_MAX_LENGTH} characters, no spaces, quotes or backslashes) before lbprov apply`,
    },
  ];
}

const ARTIFACTS = ['keepalived', 'ipvsadm'] as const;

function sourceAdvice(sections: ParsedSections): Finding[] {
  return ARTIFACTS.flatMap((name) => {
    const artifact = sections[name];
    if (artifact === undefined) return [];
    const findings: Finding[] = [];
    if (!artifact.source.includes(artifact.version)) {
      findings.push({
        path: [name, 'source'],
        message: `does not mention version ${artifact.version}`,
        hint: `make sure the tarball is ${name} ${artifact.version}, or correct ${name}.version`,
      });
    }
    const unverified = unverifiedSourceProblem(name, artifact);
    if (unverified !== undefined) findings.push({ path: [name, 'source'], ...unverified });
    return findings;
  });
}

/**
 * Anyone on the path can swap a tarball fetched over plain http, and the build runs as root, so
 * only a digest makes such a source safe. `lbprov init` says the same the moment a source is chosen.
 */
export function unverifiedSourceProblem(
  name: (typeof ARTIFACTS)[number],
  artifact: { source: string; sha256?: string | undefined },
): Required<Problem> | undefined {
  const plainHttp = /^http:\/\//i.test(artifact.source);
  if (!plainHttp || (artifact.sha256 ?? '') !== '') return undefined;
  return {
    message: `has no ${name}.sha256: an unverified tarball downloaded over plain http will be built and installed as root`,
    hint: `pin ${name}.sha256 (e.g. with \`sha256sum <tarball>\`) or use an https:// source`,
  };
}
