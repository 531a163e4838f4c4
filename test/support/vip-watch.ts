// Watches, during a change, where the VIP is and whether a client still gets PONG through it: the
// upgrade tests of both labs (namespace and Vagrant) share it. A VIP sampler is one long-lived ssh
// session running a shell loop on a director, stamped with that host's clock (the namespace lab's
// hosts share this machine's clock; the Vagrant guests set theirs from it at boot).
import { spawn } from 'node:child_process';
import { connect } from 'node:net';

interface Sampler {
  stop: () => Promise<string>;
}

/** Runs `command` until stopped; resolves with what it printed. */
export function collectOutput(command: string, args: readonly string[]): Sampler {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const closed = new Promise<void>((done) => child.on('close', () => done()));
  return {
    stop: async () => {
      child.kill();
      await closed;
      return output;
    },
  };
}

/** Runs `loop` on `host` over ssh (with `sshConfig`) until stopped; resolves with its output. */
function remoteLoop(sshConfig: string, host: string, loop: string): Sampler {
  return collectOutput('ssh', ['-F', sshConfig, '-o', 'BatchMode=yes', host, '--', loop]);
}

/**
 * What an apply's `note` events say about the MASTER's restart: the BACKUP took the VIP, and the
 * MASTER took it back (src/procedure/stand-in.ts). Both labs' upgrade tests read it the same way.
 */
export function standInNotes(events: Record<string, unknown>[]): {
  notes: string[];
  tookOver: boolean;
  gaveBack: boolean;
} {
  const notes = events.filter((event) => event.type === 'note').map((event) => String(event.message));
  return {
    notes,
    tookOver: notes.some((note) => note.startsWith('lb2 took the VIP in ')),
    gaveBack: notes.some((note) => note.startsWith('took the VIP back from lb2 in ')),
  };
}

/** "<nanoseconds> <word>" lines, as the loops below print them. */
function stamped(output: string): { at_ns: bigint; word: string }[] {
  return output
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => fields.length === 2 && /^\d+$/.test(fields[0]!))
    .map(([at, word]) => ({ at_ns: BigInt(at!), word: word! }));
}

export interface VipHistory {
  samples: number;
  /** Samples after which, as last seen, both directors held the VIP. */
  onBoth: number;
  /** Samples after which neither held it. */
  onNeither: number;
  /** The longest time both held it: at most one sampling interval more than it really lasted. */
  longestOverlapMs: number;
  /** The longest time neither held it, measured the same way. */
  longestGapMs: number;
}

interface VipSample {
  at_ns: bigint;
  host: string;
  holds: boolean;
}

/** Replays the directors' samples in time order, each director's state being its last sample. */
export function vipHistory(samples: VipSample[], directors: readonly string[]): VipHistory {
  const last = new Map<string, boolean>();
  const history: VipHistory = { samples: 0, onBoth: 0, onNeither: 0, longestOverlapMs: 0, longestGapMs: 0 };
  let since: { holders: number; at: bigint } | undefined;
  const close = (at: bigint) => {
    if (since === undefined) return;
    const ms = Number(at - since.at) / 1e6;
    if (since.holders >= 2) history.longestOverlapMs = Math.max(history.longestOverlapMs, ms);
    if (since.holders === 0) history.longestGapMs = Math.max(history.longestGapMs, ms);
  };
  for (const sample of [...samples].sort((a, b) => (a.at_ns < b.at_ns ? -1 : a.at_ns > b.at_ns ? 1 : 0))) {
    last.set(sample.host, sample.holds);
    if (last.size < directors.length) continue;
    history.samples += 1;
    const holders = [...last.values()].filter(Boolean).length;
    if (holders >= 2) history.onBoth += 1;
    if (holders === 0) history.onNeither += 1;
    if (since?.holders !== holders) {
      close(sample.at_ns);
      since = { holders, at: sample.at_ns };
    }
  }
  return history;
}

export function describeVipHistory(history: VipHistory): string {
  return (
    `${history.samples} VIP samples: on both directors ${history.onBoth} ` +
    `(longest ${Math.round(history.longestOverlapMs)} ms), ` +
    `on neither ${history.onNeither} (longest ${Math.round(history.longestGapMs)} ms)`
  );
}

/** Samples, on every director, whether it holds `vip` on any interface, every `everyS` seconds. */
export function watchVip(
  sshConfig: string,
  directors: readonly string[],
  vip: string,
  everyS: number,
): { stop: () => Promise<VipHistory> } {
  const loop = `while :; do echo "$(date +%s%N) $(ip -o -4 addr show | grep -c ' ${vip}/')"; sleep ${everyS}; done`;
  const samplers = directors.map((host) => ({ host, sampler: remoteLoop(sshConfig, host, loop) }));
  return {
    stop: async () => {
      const samples = (
        await Promise.all(
          samplers.map(async ({ host, sampler }) =>
            stamped(await sampler.stop()).map(({ at_ns, word }) => ({ at_ns, host, holds: word !== '0' })),
          ),
        )
      ).flat();
      return vipHistory(samples, directors);
    },
  };
}

export interface PingFailure {
  /** When the PING's connect began, from the start of the watch. */
  atMs: number;
  /** How long it took to fail. */
  tookMs: number;
  /** connect timeout, reply timeout, the socket error's code (ECONNRESET, ...), or the reply's first line. */
  reason: string;
}

export interface PingHistory {
  sent: number;
  failed: number;
  failures: PingFailure[];
  /** PONGs that took more than PING_SLOW_MS: guest stalls, or a SYN retransmitted. */
  slow: number;
  /** performance.now() when the watch began: to place other events on the failures' clock. */
  startedAt: number;
  /** Over the whole watch. */
  perSecond: number;
  /** The longest time between two PONGs. */
  longestGapMs: number;
}

/**
 * A PING's budget: past the client's first SYN retransmission (1 s), because an emulated guest on
 * a busy machine stalls. Captured on the lab bridge during an apply (2 CPUs, five TCG guests): lb1
 * forwarded a SYN 430 ms after it came, rs2 answered it 600 ms later, and a one-second budget
 * counted the PING failed with the director's table and the VIP untouched. What a lost VIP or
 * IPVS service does still fails it: refused or reset at once, or no answer to the retransmission.
 * It is the socket's idle timeout: for the connect, then again for the reply.
 */
const PING_BUDGET_MS = 3000;
/** A PONG slower than this is counted as slow (a stall), not failed. */
const PING_SLOW_MS = 1000;

/**
 * A Redis PING through `vip` every `everyMs` from this machine (on the lab's bridge, neither
 * director nor real server: LVS-DR replies come straight from the real server), each on a fresh
 * TCP connection (after a failover the new director has no entry for an old one) and allowed
 * PING_BUDGET_MS. One process for the whole watch: a shell loop in an emulated guest managed 1.5 a
 * second.
 */
export function watchPings(vip: string, port: number, everyMs: number): { stop: () => Promise<PingHistory> } {
  const results: { at: number; tookMs: number; failure?: string }[] = [];
  const startedAt = performance.now();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const at = performance.now();
      const failure = await pingOnce(vip, port);
      results.push({ at, tookMs: performance.now() - at, ...(failure === undefined ? {} : { failure }) });
      await new Promise((done) => setTimeout(done, Math.max(0, everyMs - (performance.now() - at))));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      const oks = results.filter((r) => !r.failure).map((r) => r.at);
      let longest = 0;
      for (let i = 1; i < oks.length; i += 1) longest = Math.max(longest, oks[i]! - oks[i - 1]!);
      const spanS = results.length > 1 ? (results.at(-1)!.at - results[0]!.at) / 1000 : 0;
      const failures = results.flatMap(({ at, tookMs, failure }) =>
        failure === undefined ? [] : [{ atMs: at - startedAt, tookMs, reason: failure }],
      );
      return {
        sent: results.length,
        failed: failures.length,
        failures,
        slow: results.filter((r) => r.failure === undefined && r.tookMs > PING_SLOW_MS).length,
        startedAt,
        perSecond: spanS > 0 ? (results.length - 1) / spanS : 0,
        longestGapMs: longest,
      };
    },
  };
}

/** "+12.3 s connect timeout (3.0 s); ..." for a log line. */
export function describePingFailures(failures: PingFailure[]): string {
  return failures
    .map(
      ({ atMs, tookMs, reason }) =>
        `+${(atMs / 1000).toFixed(1)} s ${reason} (${(tookMs / 1000).toFixed(1)} s)`,
    )
    .join('; ');
}

/** Undefined when PONG came back within PING_BUDGET_MS; else why not. */
function pingOnce(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let reply = '';
    const finish = (reason?: string) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(PING_BUDGET_MS, () => finish(socket.connecting ? 'connect timeout' : 'reply timeout'));
    socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.message));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG') ? undefined : reply.split('\r\n')[0]);
    });
  });
}
