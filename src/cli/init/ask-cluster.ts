import { input, select } from '@inquirer/prompts';
import {
  directorAsRealServerProblem,
  directorVipProblem,
  fieldProblem,
  fields,
  parseVip,
  sameHost,
  subnetEdgeProblem,
  type InventoryFileInput,
  type ParsedVip,
} from '../../inventory/index.js';
import {
  asNumber,
  describeProblem,
  numberField,
  textField,
  toValidate,
  type AnswerCheck,
} from './answer-checks.js';

type RealServerAnswer = { host: string; weight: number };

export interface ClusterAnswers {
  vrrp: { interface: string; virtual_router_id: number; vip: string };
  directors: InventoryFileInput['directors'];
  real_servers: RealServerAnswer[];
  service: { port: number; lb_algo: NonNullable<NonNullable<InventoryFileInput['service']>['lb_algo']> };
}

/** The VRRP pair, the Redis hosts behind it and the service they offer. */
export async function askCluster(): Promise<ClusterAnswers> {
  const vip = await input({
    message: 'Virtual IP with prefix length (the address clients use), e.g. 10.8.80.200/24:',
    validate: toValidate(textField(fields.vip)),
  }).then((a) => a.trim());
  const parsedVip = parseVip(vip);
  if ('message' in parsedVip) throw new Error(`a validated VIP did not parse: ${vip}`);
  const iface = await input({
    message: 'Network interface that carries the VIP on the directors:',
    default: 'eth0',
    validate: toValidate(textField(fields.interface)),
  });
  const virtualRouterId = await askNumber(
    'VRRP virtual_router_id (unique on this LAN, 1-255):',
    '51',
    numberField(fields.virtualRouterId),
  );

  const inVipSubnet: AnswerCheck = (host) => {
    const problem = directorVipProblem(parsedVip, host);
    return problem && describeProblem(problem);
  };
  const masterHost = await input({
    message: 'MASTER director address:',
    validate: toValidate(textField(fields.host), inVipSubnet),
  }).then((a) => a.trim());
  const masterPriority = await askNumber(
    'MASTER priority (1-254, highest wins):',
    '101',
    numberField(fields.priority),
  );
  const backupHost = await input({
    message: 'BACKUP director address:',
    validate: toValidate(textField(fields.host), inVipSubnet, (host) =>
      sameHost(host, masterHost) ? 'is the MASTER; the BACKUP must be another host' : undefined,
    ),
  }).then((a) => a.trim());
  const backupPriority = await askNumber(
    `BACKUP priority (below the MASTER's ${masterPriority}):`,
    '10',
    (answer) => {
      const value = asNumber(answer);
      return (
        fieldProblem(fields.priority, value) ??
        (typeof value === 'number' && value >= masterPriority
          ? `must be below the MASTER's ${masterPriority}`
          : undefined)
      );
    },
  );

  const directorHosts = [masterHost, backupHost];
  const realServers = await input({
    message: 'Real servers (the Redis hosts), comma-separated; HOST=WEIGHT sets a weight other than 1:',
    validate: toValidate((answer) => realServerProblem(answer, directorHosts, parsedVip)),
  }).then(parseRealServers);
  const port = await askNumber(
    'Redis port (the VIP serves the same port):',
    '6379',
    numberField(fields.port),
  );
  const lbAlgo = await select({
    message: 'Scheduling algorithm:',
    default: 'rr',
    choices: [
      {
        value: 'rr',
        name: 'rr     round robin',
        description: 'in turn; suits read replicas or identical caches',
      },
      {
        value: 'wrr',
        name: 'wrr    weighted round robin',
        description: 'in turn, in proportion to the weights',
      },
      {
        value: 'lc',
        name: 'lc     least connections',
        description: 'to the server with the fewest connections',
      },
      {
        value: 'wlc',
        name: 'wlc    weighted least connections',
        description: 'fewest connections relative to weight',
      },
      {
        value: 'lblc',
        name: 'lblc   locality-based least connections',
        description: 'by destination address',
      },
      {
        value: 'lblcr',
        name: 'lblcr  lblc with replication',
        description: 'by destination address, to a server set',
      },
      {
        value: 'dh',
        name: 'dh     destination hashing',
        description: 'by a hash of the destination address',
      },
      { value: 'sh', name: 'sh     source hashing', description: 'a client always reaches the same server' },
      {
        value: 'sed',
        name: 'sed    shortest expected delay',
        description: 'weighted, counts active connections',
      },
      { value: 'nq', name: 'nq     never queue', description: 'an idle server first, else sed' },
    ] as const,
  });

  return {
    vrrp: { interface: iface.trim(), virtual_router_id: virtualRouterId, vip },
    directors: [
      { host: masterHost, state: 'MASTER', priority: masterPriority },
      { host: backupHost, state: 'BACKUP', priority: backupPriority },
    ],
    real_servers: realServers,
    service: { port, lb_algo: lbAlgo },
  };
}

async function askNumber(message: string, fallback: string, check: AnswerCheck): Promise<number> {
  const answer = await input({ message, default: fallback, validate: toValidate(check) });
  return Number(answer.trim());
}

function splitList(answer: string): string[] {
  return answer
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function parseRealServers(answer: string): RealServerAnswer[] {
  return splitList(answer).map((item) => {
    const [host = '', weight] = item.split('=');
    return { host, weight: weight === undefined ? 1 : Number(weight) };
  });
}

function realServerProblem(answer: string, directors: string[], vip: ParsedVip): string | undefined {
  const items = splitList(answer);
  if (items.length === 0) return 'list at least one Redis host';
  const seen: string[] = [];
  for (const item of items) {
    const [host = '', weight, ...extra] = item.split('=');
    const problem =
      (extra.length > 0 ? 'write HOST or HOST=WEIGHT' : undefined) ??
      fieldProblem(fields.host, host) ??
      (weight === undefined ? undefined : fieldProblem(fields.weight, asNumber(weight)));
    if (problem !== undefined) return `${item}: ${problem}`;
    const director = directors.findIndex((d) => sameHost(d, host));
    if (director >= 0)
      return `${host} ${describeProblem(directorAsRealServerProblem(director === 0 ? 'the MASTER' : 'the BACKUP'))}`;
    if (sameHost(host, vip.address)) return `${host} is the VIP; list the Redis hosts' own addresses`;
    const edge = subnetEdgeProblem(vip, host, "list the real server's own address");
    if (edge) return `${host} ${describeProblem(edge)}`;
    if (seen.some((s) => sameHost(s, host))) return `${host} is listed twice`;
    seen.push(host);
  }
  return undefined;
}
