import { checkbox, confirm, input, password, select } from '@inquirer/prompts';
import {
  checkRedisPassword,
  fields,
  MIN_SENTINELS,
  primaryReplicaCountProblem,
  readPortProblem,
  REDIS_PASSWORD_MAX_LENGTH,
  REDIS_PASSWORD_MIN_LENGTH,
  sentinelCountProblem,
  servicePortSentinelProblem,
} from '../../inventory/index.js';
import { describeProblem, numberField, toValidate } from './answer-checks.js';
import type { ClusterAnswers } from './ask-cluster.js';
import type { SecretAnswer } from './ask-secret.js';

export const REDIS_PASSWORD_ENV = 'LBPROV_REDIS_PASSWORD';

/**
 * The Redis password (requirepass on the real servers), or none. Checked as typed with the rule the
 * file and the environment obey, and not trimmed: what passes the check is what gets stored.
 */
export async function askRedisPassword(): Promise<SecretAnswer | undefined> {
  const value = await password({
    message: `Redis password, asked of every client (${REDIS_PASSWORD_MIN_LENGTH}-${REDIS_PASSWORD_MAX_LENGTH} characters; empty: none, and Redis answers anyone who reaches it):`,
    mask: true,
    validate: (answer) => {
      const problem = answer === '' ? undefined : checkRedisPassword(answer);
      return problem === undefined ? true : describeProblem(problem);
    },
  });
  if (value === '') return undefined;
  const useEnv = await confirm({
    message: `Keep the Redis password out of the file and read it from $${REDIS_PASSWORD_ENV} when lbprov runs?`,
    default: true,
  });
  return useEnv ? { stored: 'env', env: REDIS_PASSWORD_ENV } : { stored: 'inline', value };
}

/** What `lbprov init` asked about the Redis topology, as the inventory's redis section takes it. */
export type TopologyAnswers =
  | { topology: 'independent' }
  | {
      topology: 'primary-replica';
      primary: string;
      read_port?: number;
      /** false: no Sentinel, said knowingly (a failed primary is failed over by hand). */
      sentinel: false | { also_on: string[] };
    };

/**
 * Which topology fits, and for one dataset its primary, read port and Sentinels. Every answer is
 * checked with the rules `validate` applies to the file (redis-topology-rules.ts), in their words.
 * The default is independent: primary-replica replaces the replicas' own data when applied.
 */
export async function askTopology(cluster: ClusterAnswers): Promise<TopologyAnswers> {
  const servers = cluster.real_servers.map((r) => r.host);
  const countProblem = primaryReplicaCountProblem(servers.length);
  const topology = await select({
    message: 'What do the real servers hold?',
    default: 'independent',
    choices: [
      {
        value: 'independent',
        name: 'independent      each its own data: a cache, or read-only data',
        description: 'every real server serves every client; a key written through the VIP is on one of them',
      },
      {
        value: 'primary-replica',
        name: 'primary-replica  one dataset: a primary takes writes, replicas copy it',
        description: "the VIP's port reaches the primary only; the replicas' own data is replaced",
        ...(countProblem === undefined ? {} : { disabled: `(${countProblem.message})` }),
      },
    ] as const,
  });
  if (topology === 'independent') return { topology };

  const primary = await select({
    message: 'Which real server starts as the primary?',
    default: servers[0],
    choices: servers.map((host, index) => ({
      value: host,
      name: index === 0 ? `${host}  (the first)` : host,
    })),
  });
  const servicePort = cluster.service.port;
  const context = { servicePort, realServers: servers.length };
  const readPortAnswer = await input({
    message: 'Read port on the VIP, spread over the replicas (empty: none):',
    validate: (answer) =>
      answer.trim() === '' ||
      toValidate(numberField(fields.port), (port) => {
        const problem = readPortProblem(Number(port), { ...context, sentinel: false });
        return problem && describeProblem(problem);
      })(answer),
  }).then((a) => a.trim());
  const readPort = readPortAnswer === '' ? undefined : Number(readPortAnswer);

  const portProblem =
    servicePortSentinelProblem(servicePort) ??
    (readPort === undefined ? undefined : readPortProblem(readPort, { ...context, sentinel: true }));
  const sentinel = await select({
    message: 'Run Redis Sentinel, to promote a replica when the primary fails?',
    default: portProblem === undefined ? 'yes' : 'no',
    choices: [
      {
        value: 'yes',
        name: 'yes  Sentinel promotes a replica; the VIP follows the new primary',
        ...(portProblem === undefined ? {} : { disabled: `(${portProblem.message})` }),
      },
      {
        value: 'no',
        name: 'no   a failed primary stays down: writes fail until it is back',
      },
    ] as const,
  });
  const alsoOn = sentinel === 'yes' ? await askSentinelDirectors(cluster) : [];
  return {
    topology,
    primary,
    ...(readPort === undefined ? {} : { read_port: readPort }),
    sentinel: sentinel === 'yes' ? { also_on: alsoOn } : false,
  };
}

/** With fewer real servers than a Sentinel majority needs, which directors run one too. */
async function askSentinelDirectors(cluster: ClusterAnswers): Promise<string[]> {
  const servers = cluster.real_servers.length;
  const missing = MIN_SENTINELS - servers;
  if (missing <= 0) return [];
  const directors = cluster.directors.map((d) => d.host);
  return checkbox({
    message: `With ${servers} real server${servers === 1 ? '' : 's'}, which directors run a Sentinel too (${MIN_SENTINELS} are needed)?`,
    choices: cluster.directors.map((d, index) => ({
      value: d.host,
      name: `${d.host}  (${d.state})`,
      checked: index < missing,
    })),
    validate: (chosen) => {
      const spare = directors.filter((host) => !chosen.some((c) => c.value === host));
      const problem = sentinelCountProblem(servers + chosen.length, spare, 'object');
      return problem === undefined
        ? true
        : `choose ${missing === 1 ? 'a director' : `${missing} directors`}: ${problem.message}`;
    },
  });
}
