// Watches, during a change, where the VIP is and whether a client still gets PONG through it: the
// upgrade tests of both labs (namespace and Vagrant) share it. Each sampler is one long-lived ssh
// session running a shell loop on the host, stamped with that host's clock (the labs' hosts run on
// this machine's clock, or on guests synchronised to it at boot: compared within one host only for
// PINGs, across directors for the VIP).
import { spawn } from 'node:child_process';
import { shellQuote } from '../../src/util/shell.js';

interface Sampler {
  stop: () => Promise<string>;
}

/** Runs `loop` on `host` over ssh (with `sshConfig`) until stopped; resolves with its output. */
function remoteLoop(sshConfig: string, host: string, loop: string): Sampler {
  const child = spawn('ssh', ['-F', sshConfig, '-o', 'BatchMode=yes', host, '--', loop], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
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

export interface PingHistory {
  sent: number;
  failed: number;
  /** Over the whole watch. */
  perSecond: number;
  /** The longest time between two PONGs. */
  longestGapMs: number;
}

/**
 * From `client`, a Redis PING through `vip` on a fresh TCP connection every `everyS` seconds (a new
 * connection each time: after a failover the new director has no entry for an old one), each
 * allowed one second. Pure bash (/dev/tcp), so the rate does not hang on process start-up.
 */
export function watchPings(
  sshConfig: string,
  client: string,
  vip: string,
  port: number,
  everyS: number,
): { stop: () => Promise<PingHistory> } {
  const ping = `exec 3<>/dev/tcp/${vip}/${port} && printf 'PING\\r\\n' >&3 && read -r -t 1 reply <&3 && [ "$reply" = "$(printf '+PONG\\r')" ]`;
  const loop = `while :; do t=$(date +%s%N); if timeout 1 bash -c ${shellQuote(ping)}; then r=ok; else r=fail; fi; echo "$t $r"; sleep ${everyS}; done`;
  const sampler = remoteLoop(sshConfig, client, `bash -c ${shellQuote(loop)}`);
  return {
    stop: async () => {
      const pings = stamped(await sampler.stop());
      const oks = pings.filter((p) => p.word === 'ok').map((p) => p.at_ns);
      let longest = 0;
      for (let i = 1; i < oks.length; i += 1)
        longest = Math.max(longest, Number(oks[i]! - oks[i - 1]!) / 1e6);
      const spanS = pings.length > 1 ? Number(pings.at(-1)!.at_ns - pings[0]!.at_ns) / 1e9 : 0;
      return {
        sent: pings.length,
        failed: pings.filter((p) => p.word !== 'ok').length,
        perSecond: spanS > 0 ? (pings.length - 1) / spanS : 0,
        longestGapMs: longest,
      };
    },
  };
}
