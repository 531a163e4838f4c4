import type { InventoryFileInput } from '../../inventory/index.js';
import type { ClusterAnswers } from './ask-cluster.js';
import { REDIS_PASSWORD_ENV, type TopologyAnswers } from './ask-redis.js';
import { AUTH_PASS_ENV, type SecretAnswer } from './ask-secret.js';
import type { SoftwareAnswers } from './ask-software.js';
import type { SshAnswers } from './ask-ssh.js';

/** Everything `lbprov init` asked, as typed and checked. */
export interface InitAnswers {
  cluster: ClusterAnswers;
  topology: TopologyAnswers;
  software: SoftwareAnswers;
  secrets: { vrrp: SecretAnswer; redis?: SecretAnswer };
  ssh: SshAnswers;
}

/**
 * The inventory the answers describe. `passwords: 'left-out'` writes every password as the
 * variable it is read from, even one the user chose to store inline: for a copy kept on disk
 * that must never hold a secret.
 */
export function composeInventory(
  answers: InitAnswers,
  passwords: 'as-answered' | 'left-out',
): InventoryFileInput {
  const { cluster, topology, software, secrets, ssh } = answers;
  const stored = (secret: SecretAnswer, variable: string) =>
    secret.stored === 'env'
      ? { env: secret.env }
      : passwords === 'as-answered'
        ? secret.value
        : { env: variable };
  return {
    ssh,
    keepalived: { ...software.keepalived, prefix: '/usr/local/keepalived' },
    ipvsadm: software.ipvsadm,
    vrrp: {
      interface: cluster.vrrp.interface,
      virtual_router_id: cluster.vrrp.virtual_router_id,
      advert_int: 1,
      auth_type: 'PASS',
      auth_pass: stored(secrets.vrrp, AUTH_PASS_ENV),
      vip: cluster.vrrp.vip,
    },
    service: {
      port: cluster.service.port,
      protocol: 'TCP',
      lb_algo: cluster.service.lb_algo,
      lb_kind: 'DR',
      delay_loop: 6,
      check: { type: 'redis', connect_timeout: 3, retry: 3, delay_before_retry: 3 },
    },
    directors: cluster.directors,
    real_servers: cluster.real_servers,
    redis: {
      manage: true,
      install: false,
      ...(secrets.redis === undefined ? {} : { password: stored(secrets.redis, REDIS_PASSWORD_ENV) }),
      ...redisTopology(topology),
    },
    allow_vrrp_only: false,
  };
}

/** Sentinel's timings as the inventory's defaults, spelt out so the file shows what can be tuned. */
const SENTINEL_TIMINGS = { down_after_ms: 5000, failover_timeout_ms: 60000 };

function redisTopology(answers: TopologyAnswers): NonNullable<InventoryFileInput['redis']> {
  if (answers.topology === 'independent') return { topology: 'independent' };
  const { primary, read_port, sentinel } = answers;
  return {
    topology: 'primary-replica',
    primary,
    ...(read_port === undefined ? {} : { read_port }),
    sentinel: sentinel === false ? false : { ...SENTINEL_TIMINGS, also_on: sentinel.also_on },
  };
}

export function hasInlineSecret(answers: InitAnswers): boolean {
  return [answers.secrets.vrrp, answers.secrets.redis].some((secret) => secret?.stored === 'inline');
}

/** The variables the inventory has lbprov read its passwords from. */
export function passwordVariables(inventory: InventoryFileInput): string[] {
  return [inventory.vrrp.auth_pass, inventory.redis?.password].flatMap((secret) =>
    typeof secret === 'object' ? [secret.env] : [],
  );
}
