import type { SecretSource } from '../model/inventory.js';
import type { AnswerCheck } from './init/answer-checks.js';

export class SecretUnavailableError extends Error {}

import { hasTerminal } from './terminal.js';

/** Prompts load on demand: @inquirer/prompts alone costs ~0.4 s of start-up. */
async function askMasked(message: string, check?: AnswerCheck): Promise<string> {
  const { password } = await import('@inquirer/prompts');
  return password({ message, mask: '*', validate: (answer) => check?.(answer) ?? true });
}

/** Asked once per process: a first setup plans, then applies, with the same answer. */
const asked = new Map<string, Promise<string>>();

/** The secret when the inventory or the environment holds it; never asks. */
export function secretIfSet(source: SecretSource): string | undefined {
  if ('value' in source) return source.value;
  const fromEnv = process.env[source.env];
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

/**
 * An inline secret, or an environment variable; unset on a terminal, it is asked for (masked) and
 * the answer must pass `check`, the rule the file and the environment obey.
 */
export async function resolveSecret(
  source: SecretSource,
  label: string,
  check: AnswerCheck,
): Promise<string> {
  if ('value' in source) return source.value;
  const fromEnv = secretIfSet(source);
  if (fromEnv !== undefined) return fromEnv;
  if (!hasTerminal()) {
    throw new SecretUnavailableError(
      `${label} comes from the environment variable ${source.env}, which is not set; ` +
        `set it (export ${source.env}=...) or run lbprov on a terminal to be asked for it`,
    );
  }
  let answer = asked.get(source.env);
  if (!answer) {
    answer = askMasked(`${label} (${source.env} is not set):`, check);
    asked.set(source.env, answer);
  }
  return answer;
}

/** Asks for the sudo password at most once per run, only when a host needs it. */
export function sudoPasswordAsker(): () => Promise<string> {
  let asked: Promise<string> | undefined;
  return () => {
    if (!hasTerminal())
      return Promise.reject(new SecretUnavailableError('sudo needs a password and there is no terminal'));
    asked ??= askMasked('sudo password for the SSH user:');
    return asked;
  };
}
