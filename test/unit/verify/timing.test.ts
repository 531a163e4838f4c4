import { expect } from 'chai';
import { drillExitCode, measurement, TIMING_SLACK_MS } from '../../../src/verify/drill-common.js';
import { pollUntil } from '../../../src/verify/poll.js';
import {
  checkRemovalBoundMs,
  checkReturnBoundMs,
  firstSeen,
  masterDownMs,
  returnExpectation,
  skewSeconds,
  takeoverBoundMs,
  timeliness,
} from '../../../src/verify/timing.js';
import type { ServiceSettings } from '../../../src/model/inventory.js';

const SERVICE: ServiceSettings = {
  port: 6379,
  protocol: 'TCP',
  lb_algo: 'rr',
  lb_kind: 'DR',
  delay_loop: 6,
  connection_sync: false,
  check: { type: 'tcp', connect_timeout: 3, retry: 3, delay_before_retry: 3 },
};

describe('drill timing', () => {
  const downs: [number, number, number][] = [
    // advert_int, priority, Master_Down_Interval in ms
    [1, 100, 3609],
    [1, 101, 3605],
    [1, 254, 3008],
    [3, 1, 9996],
  ];
  for (const [advertInt, priority, expected] of downs) {
    it(`3 x advert_int ${advertInt} + skew of priority ${priority} = ${expected} ms`, () => {
      expect(masterDownMs(advertInt, priority)).to.equal(expected);
    });
  }

  it('skews a lower priority longer', () => {
    expect(skewSeconds(100)).to.be.greaterThan(skewSeconds(101));
  });

  it('gives keepalived 1.x one more advert_int to take over than 2.x (1.2.0 measured at 4.1 s for a 3.6 s bound)', () => {
    expect(takeoverBoundMs(1, 100, '2.2.7')).to.equal(3609);
    expect(takeoverBoundMs(1, 100, '1.2.0')).to.equal(4609);
    expect(takeoverBoundMs(2, 100, '1.2.24')).to.equal(8609);
  });

  it("bounds keepalived's TCP_CHECK removal and return", () => {
    expect(checkRemovalBoundMs(SERVICE, '2.2.7')).to.equal((6 + 3 * 3 + 4 * 3) * 1000);
    // Before 1.2.20 TCP_CHECK has no retries: one failed check (connect_timeout) after delay_loop.
    expect(checkRemovalBoundMs(SERVICE, '1.2.0')).to.equal((6 + 3) * 1000);
    expect(checkReturnBoundMs(SERVICE)).to.equal(9000);
  });

  const samples = [
    { at_ms: 100, value: 'lb1' },
    { at_ms: 210, value: 'lb1' },
    { at_ms: 320, value: 'lb2' },
  ];
  it('finds the first sample where a condition holds', () => {
    expect(firstSeen(samples, (value) => value === 'lb2')).to.equal(320);
    expect(firstSeen(samples, (value) => value === 'none')).to.equal(undefined);
  });

  const verdicts: [number | undefined, string][] = [
    [500, 'as expected'],
    [3609 + TIMING_SLACK_MS, 'as expected'],
    [3609 + TIMING_SLACK_MS + 1, 'slower than expected'],
    [undefined, 'not observed'],
  ];
  for (const [measured, verdict] of verdicts) {
    it(`${measured} ms against 3609 ms: ${verdict}`, () => {
      expect(timeliness(measured, 3609, TIMING_SLACK_MS)).to.equal(verdict);
      expect(measurement('x', measured, 3609)).to.deep.include({ measured_ms: measured ?? null });
    });
  }

  const early: [number, string][] = [
    [4999, 'sooner than expected'],
    [5000, 'as expected'],
    [8609 + TIMING_SLACK_MS, 'as expected'],
    [8609 + TIMING_SLACK_MS + 1, 'slower than expected'],
  ];
  for (const [measured, verdict] of early) {
    it(`${measured} ms against not before 5000 ms, at most 8609 ms: ${verdict}`, () => {
      expect(measurement('x', measured, 8609, 5000)).to.deep.include({
        earliest_ms: 5000,
        timeliness: verdict,
      });
    });
  }

  it('has no lower bound unless one is given', () => {
    expect(measurement('x', 0, 3609)).not.to.have.property('earliest_ms');
    expect(timeliness(0, 3609, TIMING_SLACK_MS)).to.equal('as expected');
  });

  describe('the return after keepalived starts again on the stopped director', () => {
    const vrrp = { advert_int: 1, preempt: true, preempt_delay: 0 };
    it('with preemption at once: the takeover bound of its priority, from 0 ms', () => {
      expect(returnExpectation(vrrp, 101, '2.2.7')).to.deep.equal({
        returns: true,
        earliestMs: 0,
        boundMs: 3605,
      });
      expect(returnExpectation(vrrp, 101, '1.2.0')).to.deep.equal({
        returns: true,
        earliestMs: 0,
        boundMs: 4605,
      });
    });

    it('with preempt_delay: not before the delay, within the delay and the takeover bound', () => {
      const delayed = { ...vrrp, preempt_delay: 5 };
      expect(returnExpectation(delayed, 101, '2.2.7')).to.deep.equal({
        returns: true,
        earliestMs: 5000,
        boundMs: 8605,
      });
      expect(returnExpectation({ ...delayed, advert_int: 2 }, 101, '1.2.0')).to.deep.equal({
        returns: true,
        earliestMs: 5000,
        boundMs: 5000 + 6605 + 2000,
      });
    });

    it('with preempt: false: no return; watched as long as a preempting director would take', () => {
      expect(returnExpectation({ ...vrrp, preempt: false }, 101, '1.2.0')).to.deep.equal({
        returns: false,
        boundMs: 4605,
      });
    });
  });

  const base = { drill: 'failover' as const, not_provable: [], poll_interval_ms: 100 };
  const exits: [string, Parameters<typeof drillExitCode>[0], number][] = [
    [
      'as expected and restored',
      {
        ...base,
        measurements: [measurement('x', 500, 3609)],
        problems: [],
        restored: true,
        interrupted: false,
      },
      0,
    ],
    [
      'slower than expected',
      {
        ...base,
        measurements: [measurement('x', 9000, 3609)],
        problems: [],
        restored: true,
        interrupted: false,
      },
      6,
    ],
    [
      'sooner than preempt_delay allows',
      {
        ...base,
        measurements: [measurement('x', 1200, 8609, 5000)],
        problems: [],
        restored: true,
        interrupted: false,
      },
      6,
    ],
    [
      'never observed',
      {
        ...base,
        measurements: [measurement('x', undefined, 3609)],
        problems: [],
        restored: true,
        interrupted: false,
      },
      6,
    ],
    [
      'a problem on the way',
      { ...base, measurements: [], problems: ['stop failed'], restored: true, interrupted: false },
      6,
    ],
    ['not restored', { ...base, measurements: [], problems: ['x'], restored: false, interrupted: false }, 2],
    ['interrupted', { ...base, measurements: [], problems: [], restored: true, interrupted: true }, 130],
  ];
  for (const [name, result, code] of exits) {
    it(`exit code when ${name}: ${code}`, () => expect(drillExitCode(result)).to.equal(code));
  }
});

describe('pollUntil', () => {
  it('stops at the first value that is done, stamping each sample with the clock', async () => {
    const values = [1, 2, 3, 4];
    let now = 0;
    const result = await pollUntil(async () => values.shift()!, {
      clock: () => (now += 10),
      timeoutMs: 5000,
      signal: new AbortController().signal,
      done: (value) => value === 3,
    });
    expect(result.reached).to.equal(true);
    expect(result.samples).to.deep.equal([
      { at_ms: 10, value: 1 },
      { at_ms: 20, value: 2 },
      { at_ms: 30, value: 3 },
    ]);
  });

  it('gives up after its timeout', async () => {
    const result = await pollUntil(async () => 0, {
      clock: () => 0,
      timeoutMs: 250,
      signal: new AbortController().signal,
      done: () => false,
    });
    expect(result.reached).to.equal(false);
    expect(result.samples.length).to.be.within(2, 4);
  });

  it('returns at once when aborted (Ctrl-C), with the samples so far', async () => {
    const controller = new AbortController();
    const result = await pollUntil(
      async () => {
        controller.abort();
        return 0;
      },
      { clock: () => 0, timeoutMs: 60_000, signal: controller.signal, done: () => false },
    );
    expect(result).to.deep.equal({ samples: [{ at_ms: 0, value: 0 }], reached: false });
  });
});
