/** What keepalived's own rules predict, for comparing a drill's measurements against. */
import type { Inventory, ServiceSettings } from '../model/inventory.js';
import { keepalivedSyntaxFor } from '../render/keepalived-conf.js';
import { isVersionBelow } from '../render/version.js';
import type { Timeliness } from '../engine/events.js';

/**
 * keepalived 1.2.x as released becomes MASTER in two scheduler turns: "Transition to MASTER STATE"
 * when its timer runs out, then "Entering MASTER STATE" (and the VIP) one advert_int later.
 * Measured with 1.2.0 on the namespace lab: takeover 4.1 s for a 3.6 s Master_Down_Interval (the
 * release as published, which sends no goodbye advert), 1.7 s for a 0.6 s skew (goodbye fixed).
 * lbprov's build adds the VIP at the transition, as 2.x does (VRRP takeover fix in
 * render/build-recipes.ts); the bound keeps the advert_int for a 1.2.x built without it.
 */
const FIRST_KEEPALIVED_TAKING_OVER_AT_ONCE = '2.0.0';

/** VRRPv2 skew time: a lower priority waits longer, so the highest-priority BACKUP takes over first. */
export function skewSeconds(priority: number): number {
  return (256 - priority) / 256;
}

/**
 * Master_Down_Interval (RFC 3768): how long a BACKUP waits without adverts before it takes over.
 * It bounds a takeover (a MASTER stopped with TERM sends a priority-0 advert, which cuts the wait to
 * the skew alone) and a preemption (a restarted MASTER starts as BACKUP and, hearing only lower
 * priorities, becomes MASTER when this interval runs out).
 */
export function masterDownMs(advertInt: number, priority: number): number {
  return Math.round((3 * advertInt + skewSeconds(priority)) * 1000);
}

export function takesOverOneAdvertLate(version: string): boolean {
  return isVersionBelow(version, FIRST_KEEPALIVED_TAKING_OVER_AT_ONCE);
}

/** How long after the last advert a director running keepalived `version` holds the VIP. */
export function takeoverBoundMs(advertInt: number, priority: number, version: string): number {
  return masterDownMs(advertInt, priority) + (takesOverOneAdvertLate(version) ? advertInt * 1000 : 0);
}

/**
 * The longest keepalived's TCP_CHECK takes to remove a dead real server: the wait for the next
 * check (delay_loop), then `retry` more attempts `delay_before_retry` apart, each allowed
 * connect_timeout. A refused connection fails at once, so a stopped Redis goes sooner. Before
 * 1.2.20 TCP_CHECK has no retries (lbprov does not write them): the first failed check removes it.
 */
export function checkRemovalBoundMs(service: ServiceSettings, version: string): number {
  const { connect_timeout, retry, delay_before_retry } = service.check;
  const retries = keepalivedSyntaxFor(version) === '1.2' ? 0 : retry;
  return (service.delay_loop + retries * delay_before_retry + (retries + 1) * connect_timeout) * 1000;
}

/** A real server back up is re-added after its next successful check: at most one delay_loop away. */
export function checkReturnBoundMs(service: ServiceSettings): number {
  return (service.delay_loop + service.check.connect_timeout) * 1000;
}

export interface Sample<T> {
  /** The drill's clock when this sample's answer arrived. */
  at_ms: number;
  value: T;
}

/** When a condition was first seen to hold, or undefined when it never was. */
export function firstSeen<T>(samples: Sample<T>[], holds: (value: T) => boolean): number | undefined {
  return samples.find((sample) => holds(sample.value))?.at_ms;
}

/**
 * A measurement is as expected within the expected time plus one poll interval and the tolerance
 * (process start-up, scheduling), since a poll only sees a change after it happened. It needs no
 * tolerance below `earliestMs`: it is counted from before the action, and seen after the change.
 */
export function timeliness(
  measuredMs: number | undefined,
  expectedMs: number,
  slackMs: number,
  earliestMs = 0,
): Timeliness {
  if (measuredMs === undefined) return 'not observed';
  if (measuredMs < earliestMs) return 'sooner than expected';
  return measuredMs <= expectedMs + slackMs ? 'as expected' : 'slower than expected';
}

/** What the failover drill expects once keepalived is started again on the director it stopped. */
export type ReturnExpectation =
  /** It takes the VIP back, not before `earliestMs` and within `boundMs`. */
  | { returns: true; earliestMs: number; boundMs: number }
  /** The VIP stays where it went; a preempting director would have taken it within `boundMs`. */
  | { returns: false; boundMs: number };

/**
 * With preemption the restarted director (the higher priority) becomes MASTER as a takeover does.
 * preempt_delay holds it back that long after keepalived starts (1.2.x counts from reading its
 * configuration, 2.x from the first lower-priority advert it hears), and then it preempts on the
 * next advert it hears: the takeover bound, which spans three adverts, covers that one. With
 * nopreempt it stays BACKUP while the other director sends adverts: the VIP does not return.
 */
export function returnExpectation(
  vrrp: Pick<Inventory['vrrp'], 'advert_int' | 'preempt' | 'preempt_delay'>,
  priority: number,
  version: string,
): ReturnExpectation {
  const takeover = takeoverBoundMs(vrrp.advert_int, priority, version);
  if (!vrrp.preempt) return { returns: false, boundMs: takeover };
  const delayMs = vrrp.preempt_delay * 1000;
  return { returns: true, earliestMs: delayMs, boundMs: delayMs + takeover };
}
