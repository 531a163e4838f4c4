// Where the VIP is during a change, read from this machine straight from the two directors'
// network namespaces. Two samplers on two hosts each report a state up to one interval old, so a
// handover shows as a moment on both or on neither whatever really happened. Here one loop reads
// lb1, then lb2, then lb1 again, a few milliseconds apart: "neither" is counted only when lb1 had
// no VIP before and after lb2 was seen without it (and "both" likewise), which is what the
// namespace lab can prove and the Vagrant lab's guests cannot.
import { expect } from 'chai';
import { collectOutput, type VipHistory } from '../../support/vip-watch.js';
import { labExecOk } from './lab.js';

const LAB_DIRECTORS = ['lb1', 'lb2'] as const;

const NAMESPACE_PREFIX = 'lbprov-';

/** One reading: lb1 (first director) before, lb2 (second), lb1 after. */
interface Reading {
  at_ns: bigint;
  firstBefore: boolean;
  second: boolean;
  firstAfter: boolean;
}

/** Holders proven at a reading: 0, 1 or 2; undefined while the first director was changing. */
function proven(reading: Reading): number | undefined {
  if (reading.firstBefore !== reading.firstAfter) return undefined;
  return Number(reading.firstBefore) + Number(reading.second);
}

export function historyOf(readings: Reading[]): VipHistory {
  const history: VipHistory = { samples: 0, onBoth: 0, onNeither: 0, longestOverlapMs: 0, longestGapMs: 0 };
  let run: { holders: number; from: bigint; to: bigint } | undefined;
  const close = () => {
    if (!run) return;
    const ms = Number(run.to - run.from) / 1e6;
    if (run.holders === 2) history.longestOverlapMs = Math.max(history.longestOverlapMs, ms);
    if (run.holders === 0) history.longestGapMs = Math.max(history.longestGapMs, ms);
  };
  for (const reading of readings) {
    const holders = proven(reading);
    if (holders === undefined) continue;
    history.samples += 1;
    if (holders === 2) history.onBoth += 1;
    if (holders === 0) history.onNeither += 1;
    if (run?.holders === holders) {
      run.to = reading.at_ns;
    } else {
      close();
      run = { holders, from: reading.at_ns, to: reading.at_ns };
    }
  }
  close();
  return history;
}

/** Samples every `everyS` seconds until stopped; needs root (it enters the lab's namespaces). */
export function watchVipInNamespaces(
  directors: readonly [string, string],
  vip: string,
  everyS: number,
): { stop: () => Promise<VipHistory> } {
  const [first, second] = directors.map((host) => `${NAMESPACE_PREFIX}${host}`);
  const holds = (namespace: string) => `$(ip -n ${namespace} -o -4 addr show | grep -c ' ${vip}/')`;
  const loop = `while :; do t=$(date +%s%N); a=${holds(first!)}; b=${holds(second!)}; c=${holds(first!)}; echo "$t $a $b $c"; sleep ${everyS}; done`;
  const sampler = collectOutput('bash', ['-c', loop]);
  return {
    stop: async () => {
      const output = await sampler.stop();
      const readings = output
        .split('\n')
        .map((line) => line.split(' '))
        .filter((fields) => fields.length === 4 && fields.every((field) => /^\d+$/.test(field)))
        .map(([at, a, b, c]) => ({
          at_ns: BigInt(at!),
          firstBefore: a !== '0',
          second: b !== '0',
          firstAfter: c !== '0',
        }));
      return historyOf(readings);
    },
  };
}

/** The directors (lb1, lb2 order) that hold `vip` now. */
export async function directorsHoldingVip(vip: string): Promise<string[]> {
  const held = await Promise.all(
    LAB_DIRECTORS.map(async (host) =>
      (await labExecOk(host, 'ip -o -4 addr show')).includes(` ${vip}/`) ? [host] : [],
    ),
  );
  return held.flat();
}

/** A director that hears no MASTER takes over after 3 x advert_int + skew (~3.6 s here). */
const SETTLE_MS = 20_000;

/** Polls until `vip` is on exactly `wanted` (in order lb1, lb2); fails with what it saw last. */
export async function settleVipOn(vip: string, wanted: string[]): Promise<void> {
  const deadline = Date.now() + SETTLE_MS;
  let seen: string[] = [];
  while (Date.now() < deadline) {
    seen = await directorsHoldingVip(vip);
    if (seen.join() === wanted.join()) return;
    await new Promise((done) => setTimeout(done, 250));
  }
  expect(seen, `the VIP after ${SETTLE_MS / 1000} s`).to.deep.equal(wanted);
}

/** Both directors sampled every 50 ms for `ms`: how often the VIP was on both, and on neither. */
export async function sampleVip(vip: string, ms: number): Promise<VipHistory> {
  const watch = watchVipInNamespaces(LAB_DIRECTORS, vip, 0.05);
  await new Promise((done) => setTimeout(done, ms));
  return watch.stop();
}
