import { expect } from 'chai';
import type { DrillEvent } from '../../../src/engine/events.js';
import type { Inventory } from '../../../src/model/inventory.js';
import type { Transport } from '../../../src/transport/types.js';
import { drillClock, TIMING_SLACK_MS } from '../../../src/verify/drill-common.js';
import { stopAndStart, type StopStartPlan } from '../../../src/verify/drill-plan.js';
import { InterruptGuard } from '../../../src/verify/interrupt.js';

/**
 * keepalived on lb1 as the drill sees it: the VIP goes to lb2 when lb1 stops; after lb1 starts
 * again, it comes back `returnAfterMs` later, or never (nopreempt).
 */
function pair(returnAfterMs: number | undefined) {
  let holders = new Set(['lb1']);
  const transport = {
    exec: async (command: string) => {
      if (command.includes('stop')) holders = new Set(['lb2']);
      else if (command.includes('start') && returnAfterMs !== undefined) {
        setTimeout(() => (holders = new Set(['lb1'])), returnAfterMs);
      }
      return { code: 0, stdout: '', stderr: '' };
    },
  } as unknown as Transport;
  return { transport, show: async () => new Set(holders) };
}

/** The failover drill's shape after the stop, with small bounds: lb2 holds the VIP after the stop. */
async function drill(returnAfterMs: number | undefined, start: StopStartPlan['start']) {
  const events: DrillEvent[] = [];
  const guard = new InterruptGuard(() => undefined, 130);
  const { transport, show } = pair(returnAfterMs);
  try {
    const result = await stopAndStart(
      { inventory: {} as Inventory, connect: async () => transport, emit: (e) => events.push(e), guard },
      {
        drill: 'failover',
        host: { name: 'lb1', transport },
        service: 'keepalived',
        label: 'keepalived',
        clock: drillClock(),
        watched: ['lb1', 'lb2'],
        showingBefore: ['lb1'],
        show,
        observed: (_host, holds) => (holds ? 'holds the VIP' : 'no longer holds the VIP'),
        stop: {
          done: (shown) => shown.has('lb2') && !shown.has('lb1'),
          boundMs: 500,
          timed: [{ what: 'lb2 holds the VIP', holds: (shown) => shown.has('lb2'), expectedMs: 500 }],
        },
        start,
        notRestored: () => 'keepalived is not running on lb1',
        not_provable: [],
      },
    );
    return { result, events };
  } finally {
    guard.dispose();
  }
}

const stays: StopStartPlan['start'] = {
  done: (shown) => shown.has('lb2') && !shown.has('lb1'),
  boundMs: 300,
  timed: [],
  kept: (shown, afterMs) => `the VIP went to ${[...shown].join(' and ')} after ${afterMs} ms`,
};

describe('drill: a phase whose outcome must stay (nopreempt)', function () {
  this.timeout(10_000);

  it('passes when the VIP stays on lb2 for the bound and the tolerance, and watches that long', async () => {
    const began = Date.now();
    const { result } = await drill(undefined, stays);
    expect(result.problems).to.deep.equal([]);
    expect(result.restored).to.equal(true);
    expect(result.exit_code).to.equal(0);
    expect(Date.now() - began).to.be.at.least(300 + TIMING_SLACK_MS);
  });

  it('reports a return as a problem (drift, not a failure to restore), with when it came', async () => {
    const { result, events } = await drill(200, stays);
    expect(result.problems).to.have.length(1);
    expect(result.problems[0]).to.match(/^the VIP went to lb1 after \d+ ms$/);
    const after = Number(/after (\d+) ms/.exec(result.problems[0]!)?.[1]);
    expect(after).to.be.within(200, 300 + TIMING_SLACK_MS);
    expect(result).to.include({ restored: true, exit_code: 6 });
    expect(
      events.some((e) => e.type === 'observed' && e.host === 'lb1' && e.what === 'holds the VIP'),
    ).to.equal(true);
  });
});

describe('drill: a return held back by preempt_delay', function () {
  this.timeout(10_000);

  const returns = (earliestMs: number): StopStartPlan['start'] => ({
    done: (shown) => shown.has('lb1') && !shown.has('lb2'),
    boundMs: earliestMs + 500,
    timed: [
      {
        what: 'lb1 holds the VIP again',
        holds: (shown) => shown.has('lb1'),
        expectedMs: earliestMs + 500,
        earliestMs,
      },
    ],
  });

  it('is as expected when it comes after the delay', async () => {
    const { result } = await drill(700, returns(600));
    const back = result.measurements.at(-1);
    expect(back).to.include({ earliest_ms: 600, timeliness: 'as expected' });
    expect(back?.measured_ms).to.be.at.least(700);
    expect(result.exit_code).to.equal(0);
  });

  it('is sooner than expected (drift) when it comes before the delay', async () => {
    const { result } = await drill(50, returns(600));
    expect(result.measurements.at(-1)).to.include({ timeliness: 'sooner than expected' });
    expect(result.exit_code).to.equal(6);
  });
});
