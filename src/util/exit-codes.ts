/** Exit codes of every lbprov command; README.md documents the same table. */
export const ExitCode = {
  /** Converged, valid, or nothing to do. */
  Ok: 0,
  /** Usage error: unknown command or option, missing argument. */
  Usage: 1,
  /** A step failed on at least one host. */
  Failed: 2,
  /** At least one host could not be reached or its host key was refused. */
  Unreachable: 3,
  /** The inventory is missing or invalid (nothing was contacted). */
  InvalidInventory: 4,
  /** Another lbprov run holds a host's lock. */
  Locked: 5,
  /** status/verify: the cluster has drifted or a check failed. */
  Drifted: 6,
  /** The user declined a confirmation, or pressed Ctrl-C. */
  Aborted: 130,
  /** lbprov itself is broken (a bug): please report it. */
  Internal: 70,
} as const;
