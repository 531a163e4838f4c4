/**
 * One Redis connection through the VIP, held open from the verify client for the whole failover
 * drill, the way a connection pool holds its connections: it shows whether established connections
 * survive a failover (IPVS connection sync) or are reset, and how many commands failed meanwhile.
 *
 * The client runs bash's /dev/tcp, so it needs neither redis-cli (which reconnects by itself and
 * would hide a reset) nor the Redis password: any reply, `-NOAUTH` included, proves the connection
 * carries traffic, and no secret ever travels.
 */
import type { HeldConnectionReport } from '../engine/events.js';
import type { ExecResult, Transport } from '../transport/types.js';
import { shellQuote } from '../util/shell.js';
import { execFailure, stdoutLines } from './stdout-lines.js';

/** A PING unanswered this long counts as failed (a failover's retransmits take longer). */
export const ANSWER_WITHIN_S = 1;
/** Between PINGs: ten commands a second, like a busy client. */
const PING_EVERY_S = 0.1;

/**
 * Prints one line per event: `connected PORT` (the client's own port, read from /proc, so that the
 * drill can find the connection in an IPVS table; `connected` alone where /proc does not say),
 * `connect-failed`, `ok N`, `late N` (PING N unanswered after ANSWER_WITHIN_S; it is waited for,
 * not sent again), `reset N` (the connection closed or broke with PING N outstanding), `refused`
 * (a reconnect failed), `reconnected`, `done N`.
 */
const HOLD_SCRIPT = `
vip=$1 port=$2 stop=$3 max=$4
# A write to a reset connection must fail the printf, not kill the script.
trap '' PIPE
open() { exec 3<>"/dev/tcp/$vip/$port"; } 2>/dev/null
local_port() {
  local socket inode hex
  socket=$(readlink "/proc/$$/fd/3") || return 0
  inode=\${socket//[^0-9]/}
  hex=$(awk -v inode="$inode" '$10 == inode { split($2, address, ":"); print address[2]; exit }' /proc/net/tcp /proc/net/tcp6 2>/dev/null)
  if [ -n "$hex" ]; then echo $((16#$hex)); fi
}
if ! open; then echo connect-failed; exit 0; fi
echo "connected $(local_port)"
n=0 waiting=0 began=$SECONDS
while [ ! -e "$stop" ] && [ $((SECONDS - began)) -lt "$max" ]; do
  if [ "$waiting" = 0 ]; then
    n=$((n + 1))
    if ! printf 'PING\\r\\n' >&3 2>/dev/null; then echo "reset $n"; waiting=reconnect; fi
  fi
  if [ "$waiting" != reconnect ]; then
    if IFS= read -r -t ${ANSWER_WITHIN_S} reply <&3 2>/dev/null; then
      echo "ok $n"; waiting=0; sleep ${PING_EVERY_S}; continue
    elif [ $? -gt 128 ]; then
      echo "late $n"; waiting=1; continue
    fi
    echo "reset $n"
  fi
  exec 3<&- 3>&-
  until [ -e "$stop" ] || [ $((SECONDS - began)) -ge "$max" ]; do
    if open; then echo reconnected; break; fi
    echo refused; sleep 0.2
  done
  waiting=0
done
echo "done $n"
`;

const CONNECT_WITHIN_MS = 10_000;

/** What a client still inside its connect() says once the drill has stopped waiting. */
async function stillConnecting(): Promise<ExecResult> {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return { code: -1, stdout: `no answer to the connect within ${CONNECT_WITHIN_MS / 1000} s`, stderr: '' };
}

export interface HeldConnectionPlan {
  client: { name: string; transport: Transport };
  vip: string;
  port: number;
  /** The drill's clock, so the connection's events line up with the VIP's. */
  clock(): number;
  /** Longest the client keeps the connection if the drill never says stop (a cut-off drill). */
  maxSeconds: number;
  /** Called as the connection is reset or answers again, for the drill's running report. */
  onEvent(what: string, atMs: number): void;
}

export interface HeldConnection {
  /** When the connect succeeded, on the drill's clock (undefined: it did not). */
  openedAtMs: number | undefined;
  /** The client's port of the connection (undefined where the client's /proc did not say). */
  localPort: number | undefined;
  /** Stops the PINGs and says what the connection went through. */
  finish(): Promise<HeldConnectionReport>;
}

/** Opens the connection; resolves once the client says whether it could. */
export async function holdConnection(plan: HeldConnectionPlan): Promise<HeldConnection> {
  const stopFile = `/tmp/lbprov-held-${process.pid}-${Date.now()}`;
  const tally = new Tally(plan);
  let opened: (ok: boolean) => void = () => undefined;
  const openedOrNot = new Promise<boolean>((resolve) => (opened = resolve));
  let localPort: number | undefined;
  let openedAtMs: number | undefined;
  const running = plan.client.transport
    .exec(
      `command -v bash >/dev/null 2>&1 || { echo 'no bash on this host'; exit 3; }\n` +
        `bash -c ${shellQuote(HOLD_SCRIPT)} held ${shellQuote(plan.vip)} ${plan.port} ${shellQuote(stopFile)} ${Math.ceil(plan.maxSeconds)}`,
      {
        onOutput: stdoutLines((line) => {
          const [word, port] = line.split(' ');
          if (word === 'connected') {
            localPort = port ? Number(port) : undefined;
            openedAtMs = plan.clock();
            opened(true);
          } else if (word === 'connect-failed') opened(false);
          else tally.record(line, plan.clock());
        }),
      },
    )
    .finally(() => opened(false));
  // A VIP that drops SYNs would keep bash's connect waiting for minutes: the drill does not wait.
  const timer = setTimeout(() => opened(false), CONNECT_WITHIN_MS);
  const connected = await openedOrNot;
  clearTimeout(timer);
  return {
    openedAtMs: connected ? openedAtMs : undefined,
    localPort,
    finish: async () => {
      await plan.client.transport.exec(`: > ${shellQuote(stopFile)}`).catch(() => undefined);
      const ended = connected
        ? await running.catch(execFailure)
        : await Promise.race([running.catch(execFailure), stillConnecting()]);
      await plan.client.transport.exec(`rm -f ${shellQuote(stopFile)}`).catch(() => undefined);
      if (!connected) {
        const why = (ended.stdout + ended.stderr).trim().split('\n')[0] ?? '';
        return { outcome: 'not opened', detail: why === 'connect-failed' ? 'the connect failed' : why };
      }
      return tally.report();
    },
  };
}

class Tally {
  private sent = 0;
  private failed = 0;
  private firstResetAt: number | undefined;
  private resets = 0;
  private readonly late = new Set<number>();

  constructor(private readonly plan: Pick<HeldConnectionPlan, 'onEvent'>) {}

  record(line: string, atMs: number): void {
    const [word, count] = line.split(' ');
    const n = Number(count);
    if (Number.isInteger(n)) this.sent = Math.max(this.sent, n);
    switch (word) {
      case 'late':
        // Counted once however long it waits: it is one command that failed its deadline.
        if (!this.late.has(n)) this.failed += 1;
        this.late.add(n);
        break;
      case 'ok':
        if (this.late.has(n)) this.plan.onEvent(`the held connection answered again (PING ${n})`, atMs);
        break;
      case 'reset':
        if (!this.late.has(n)) this.failed += 1;
        this.resets += 1;
        this.firstResetAt ??= atMs;
        this.plan.onEvent(`the held connection through the VIP was reset (PING ${n} unanswered)`, atMs);
        break;
      case 'refused':
        this.failed += 1;
        break;
      case 'reconnected':
        this.plan.onEvent('a new connection through the VIP was opened after the reset', atMs);
        break;
    }
  }

  report(): HeldConnectionReport {
    return {
      outcome: this.resets > 0 ? 'reset' : 'kept',
      commands: this.sent,
      failed_commands: this.failed,
      ...(this.firstResetAt === undefined ? {} : { reset_at_ms: this.firstResetAt, resets: this.resets }),
    };
  }
}
