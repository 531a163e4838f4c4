import { confirm, password } from '@inquirer/prompts';
import {
  checkRedisPassword,
  REDIS_PASSWORD_MAX_LENGTH,
  REDIS_PASSWORD_MIN_LENGTH,
} from '../../inventory/index.js';
import { describeProblem } from './answer-checks.js';
import type { SecretAnswer } from './ask-secret.js';

export const REDIS_PASSWORD_ENV = 'LBPROV_REDIS_PASSWORD';

/**
 * The Redis password (requirepass on the real servers), or none. Checked as typed with the rule the
 * file and the environment obey, and not trimmed: what passes the check is what gets stored.
 */
export async function askRedisPassword(): Promise<SecretAnswer | undefined> {
  const value = await password({
    message: `Redis password, asked of every client (${REDIS_PASSWORD_MIN_LENGTH}-${REDIS_PASSWORD_MAX_LENGTH} characters; empty: none, and Redis answers anyone who reaches it):`,
    mask: true,
    validate: (answer) => {
      const problem = answer === '' ? undefined : checkRedisPassword(answer);
      return problem === undefined ? true : describeProblem(problem);
    },
  });
  if (value === '') return undefined;
  const useEnv = await confirm({
    message: `Keep the Redis password out of the file and read it from $${REDIS_PASSWORD_ENV} when lbprov runs?`,
    default: true,
  });
  return useEnv ? { stored: 'env', env: REDIS_PASSWORD_ENV } : { stored: 'inline', value };
}
