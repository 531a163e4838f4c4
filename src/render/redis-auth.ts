import { MANAGED_HEADER } from './header.js';

/**
 * lbprov's Redis password lives in a file of its own that redis.conf includes, not in redis.conf:
 * when the inventory drops redis.password, lbprov removes its own requirepass line from this file
 * and can never take away a requirepass an operator wrote into redis.conf by hand. The include
 * comes last in redis.conf, so while the inventory sets a password, it is the one that counts.
 */
export const REDIS_AUTH_PATH = '/etc/redis/lbprov-requirepass.conf';

export const REDIS_AUTH_INCLUDE = `include ${REDIS_AUTH_PATH}`;

/** The include line, and only it (a commented-out one does not count). */
export const REDIS_AUTH_INCLUDE_REGEXP = `^\\s*include\\s+${REDIS_AUTH_PATH.replace(/[.]/g, '\\.')}\\s*$`;

/** A requirepass line; its first group is the password, for masking in diffs. */
export const REQUIREPASS_REGEXP = '^\\s*requirepass\\s+(\\S+)';

/**
 * Every line that holds the Redis password, its first group the password: lbprov's requirepass and
 * masterauth, and the quoted copies CONFIG REWRITE (a Sentinel failover) writes into redis.conf.
 */
export const REDIS_SECRET_REGEXP = '^\\s*(?:requirepass|masterauth)\\s+"?([^"\\s]+)';

/**
 * `password` passed checkRedisPassword, so it is one word redis.conf reads as written.
 * `masterauth`: the host may replicate a primary (primary-replica), which asks for the same password.
 */
export function renderRedisAuth(password: string, options: { masterauth: boolean }): string {
  return [
    MANAGED_HEADER,
    "# The Redis password from the inventory's redis.password; /etc/redis/redis.conf includes this file.",
    `requirepass ${password}`,
    ...(options.masterauth
      ? [
          '# A replica authenticates to its primary with it: every host, since Sentinel may make any a replica.',
          `masterauth ${password}`,
        ]
      : []),
    '',
  ].join('\n');
}
