/** What `lbprov verify` reports: one verdict per check, each with the command output that decided it. */

/**
 * not_provable: the check cannot be made on this cluster (a kernel without IPVS, no client host),
 * which is never a pass: it is counted and listed on its own.
 */
export type Verdict = 'pass' | 'fail' | 'not_provable';

/** One command run on one host, as it was run, with its combined output and exit code. */
export interface Evidence {
  host: string;
  command: string;
  output: string;
  exit_code: number;
}

export type CheckId =
  | 'reachable'
  | 'vip-on-one-director'
  | 'keepalived-running'
  | 'ipvs-service'
  | 'ipvs-real-server'
  | 'vip-on-lo'
  | 'arp-ignore'
  | 'arp-announce'
  | 'redis-listening'
  | 'redis-ping'
  | 'redis-ping-via-vip';

export interface Check {
  check: CheckId;
  /** The host the check is about (for a cluster-wide check, the hosts it names). */
  host: string;
  /** What was checked, in words. */
  title: string;
  verdict: Verdict;
  /** Why this verdict, naming what was found. */
  detail: string;
  evidence: Evidence[];
  /** What to do about a failure. */
  hint?: string;
}
