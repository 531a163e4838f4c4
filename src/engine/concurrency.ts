/**
 * Hosts contacted at once unless --concurrency says otherwise: well inside one control machine's
 * file descriptors, and each host sees one connection, far from OpenSSH's MaxStartups and
 * MaxSessions. Its own module: the CLI's help names it without loading the engine.
 */
export const DEFAULT_CONCURRENCY = 16;
