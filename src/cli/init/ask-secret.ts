import { confirm, password } from '@inquirer/prompts';
import { authPassLimit, checkAuthPass } from '../../inventory/index.js';
import { describeProblem } from './answer-checks.js';

export const AUTH_PASS_ENV = 'LBPROV_AUTH_PASS';

export type SecretAnswer = { stored: 'inline'; value: string } | { stored: 'env'; env: string };

/** The VRRP password, checked against the limit of the keepalived version chosen before. */
export async function askSecret(keepalivedVersion: string): Promise<SecretAnswer> {
  const limit = authPassLimit(keepalivedVersion);
  const value = await password({
    message: `VRRP password (2-${limit} characters, shared by both directors):`,
    mask: true,
    // Checked as typed, not trimmed: what passes the check is what gets stored.
    validate: (answer) => {
      const problem = checkAuthPass(answer, keepalivedVersion);
      return problem === undefined ? true : describeProblem(problem);
    },
  });
  const useEnv = await confirm({
    message: `Keep the password out of the file and read it from $${AUTH_PASS_ENV} when lbprov runs?`,
    default: true,
  });
  return useEnv ? { stored: 'env', env: AUTH_PASS_ENV } : { stored: 'inline', value };
}
