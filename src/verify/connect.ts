import type { HostEntry, Inventory } from '../model/inventory.js';
import { UnreachableError, type Transport } from '../transport/types.js';

/** Opens an SSH connection to one inventory host (the session's connect, with its masker and sudo). */
export type ConnectHost = (entry: HostEntry) => Promise<Transport>;

interface HostFailure {
  message: string;
  hint?: string;
}

export function failureOf(error: unknown): HostFailure {
  if (error instanceof UnreachableError) return { message: error.message, hint: error.hint };
  return { message: error instanceof Error ? error.message : String(error) };
}

export const NO_CLIENT =
  'not provable: the inventory names no verify.client (a host that is neither director nor real server)';

/** The verification client is reached with the inventory's SSH settings, under its own address. */
export function clientEntry(inventory: Inventory): HostEntry | undefined {
  const verify = inventory.verify;
  return verify === undefined ? undefined : { name: verify.client, host: verify.client, ssh: verify.ssh };
}
