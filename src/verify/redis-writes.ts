/**
 * Numbered, acknowledged writes from the verify client, as an application writes during a failover:
 * each attempt a fresh redis-cli connection (a client reconnecting after an error), RPUSH of the
 * next sequence number onto one list, so reading the list back afterwards shows which acknowledged
 * writes the new primary lost.
 *
 * The password reaches redis-cli as REDISCLI_AUTH, read from a file lbprov uploads over SFTP
 * (mode 0600) and removes afterwards: a script reaches the host as `sh -c <script>`, an argument
 * anyone on the host can read in ps, and lbprov's SSH transport sends no standard input.
 */
import type { Transport } from '../transport/types.js';
import { SENTINEL_MASTER_NAME, SENTINEL_PORT } from '../model/redis-topology.js';
import { shellQuote } from '../util/shell.js';
import { execFailure, stdoutLines } from './stdout-lines.js';

/** How long one write may take before it counts as failed (a dropped SYN would wait far longer). */
export const WRITE_WITHIN_S = 1;
/** Between attempts: about ten writes a second with redis-cli's own start-up. */
const WRITE_EVERY_S = 0.05;

/** Where the writes go: the VIP, the address Sentinel names at each attempt, or the primary itself. */
export type WriteRoute =
  | { via: 'vip'; address: string }
  | { via: 'sentinel'; sentinels: string[] }
  | { via: 'primary'; address: string };

/**
 * Prints `w <n> <address> <reply>` per attempt (the reply's first line: an integer is an
 * acknowledgement) and `no-primary` when no Sentinel named one; `done` at the end.
 */
const WRITER_SCRIPT = `
key=$1 auth=$2 stop=$3 max=$4 port=$5 via=$6
shift 6
if [ -n "$auth" ]; then REDISCLI_AUTH=$(cat "$auth") || exit 3; export REDISCLI_AUTH; fi
n=0 began=$(date +%s)
while [ ! -e "$stop" ] && [ $(( $(date +%s) - began )) -lt "$max" ]; do
  target=$1
  if [ "$via" = sentinel ]; then
    target=
    for sentinel in "$@"; do
      # Sentinel has no password of its own: REDISCLI_AUTH stays away from it.
      target=$(env -u REDISCLI_AUTH timeout ${WRITE_WITHIN_S} redis-cli -h "$sentinel" -p ${SENTINEL_PORT} SENTINEL get-master-addr-by-name ${SENTINEL_MASTER_NAME} 2>/dev/null | head -n 1)
      case $target in '' | *[!0-9A-Za-z.:-]*) target= ;; *) break ;; esac
    done
    if [ -z "$target" ]; then echo no-primary; sleep ${WRITE_EVERY_S}; continue; fi
  fi
  n=$((n + 1))
  reply=$(timeout ${WRITE_WITHIN_S} redis-cli -h "$target" -p "$port" RPUSH "$key" "$n" 2>&1 | tr -d '\\r' | head -n 1)
  echo "w $n $target \${reply:-no answer within ${WRITE_WITHIN_S} s}"
  sleep ${WRITE_EVERY_S}
done
echo done
`;

export interface WriteAttempt {
  n: number;
  address: string;
  acknowledged: boolean;
  reply: string;
  /** On the drill's clock, when lbprov read the line. */
  at_ms: number;
}

/** One line of the writer's output, or undefined for anything else. */
export function parseWriteLine(line: string, atMs: number): WriteAttempt | undefined {
  const match = /^w (\d+) (\S+) (.*)$/.exec(line);
  if (!match) return undefined;
  const reply = match[3] ?? '';
  return {
    n: Number(match[1]),
    address: match[2] ?? '',
    acknowledged: /^\d+$/.test(reply.trim()),
    reply,
    at_ms: atMs,
  };
}

/** Acknowledged numbers missing from the list as read back (LRANGE's output, one number a line). */
export function lostWrites(attempts: readonly WriteAttempt[], readBack: string): number[] {
  const present = new Set(
    readBack
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => /^\d+$/.test(line))
      .map(Number),
  );
  return attempts
    .filter((attempt) => attempt.acknowledged && !present.has(attempt.n))
    .map((attempt) => attempt.n);
}

export interface WriterPlan {
  client: { name: string; transport: Transport };
  key: string;
  port: number;
  route: WriteRoute;
  /** The Redis password, or undefined when Redis asks for none. */
  password: string | undefined;
  clock(): number;
  /** Longest the client keeps writing if the drill never says stop (a cut-off drill). */
  maxSeconds: number;
  onAttempt(attempt: WriteAttempt): void;
}

export interface Writer {
  attempts: WriteAttempt[];
  /**
   * Stops the writes and removes the password file (once, however often it is called); resolves
   * with the writer's last words when it failed.
   */
  finish(): Promise<string | undefined>;
}

export async function startWriter(plan: WriterPlan): Promise<Writer> {
  const stamp = `${process.pid}-${Date.now()}`;
  const stopFile = `/tmp/lbprov-writes-stop-${stamp}`;
  const authFile = plan.password === undefined ? '' : `/tmp/lbprov-writes-auth-${stamp}`;
  const transport = plan.client.transport;
  if (plan.password !== undefined) await transport.upload(authFile, Buffer.from(plan.password));
  const attempts: WriteAttempt[] = [];
  const targets = plan.route.via === 'sentinel' ? plan.route.sentinels : [plan.route.address];
  const running = transport.exec(
    `sh -c ${shellQuote(WRITER_SCRIPT)} writer ${[plan.key, authFile, stopFile, String(Math.ceil(plan.maxSeconds)), String(plan.port), plan.route.via, ...targets].map(shellQuote).join(' ')}`,
    {
      onOutput: stdoutLines((line) => {
        const attempt = parseWriteLine(line, plan.clock());
        if (attempt) {
          attempts.push(attempt);
          plan.onAttempt(attempt);
        }
      }),
    },
  );
  let finished: Promise<string | undefined> | undefined;
  const finish = async (): Promise<string | undefined> => {
    await transport.exec(`: > ${shellQuote(stopFile)}`).catch(() => undefined);
    const ended = await running.catch(execFailure);
    await transport
      .exec(`rm -f ${[stopFile, ...(authFile ? [authFile] : [])].map(shellQuote).join(' ')}`)
      .catch(() => undefined);
    return ended.code === 0 ? undefined : `${ended.stdout}${ended.stderr}`.trim().split('\n').at(-1);
  };
  return { attempts, finish: () => (finished ??= finish()) };
}
