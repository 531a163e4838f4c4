import type { HostEntry, Inventory } from '../model/inventory.js';
import { UnreachableError, type Transport } from '../transport/types.js';

/** Opens an SSH connection to one inventory host (the session's connect, with its masker and sudo). */
export type ConnectHost = (entry: HostEntry) => Promise<Transport>;

export interface HostFailure {
  message: string;
  hint?: string;
}

export function failureOf(error: unknown): HostFailure {
  if (error instanceof UnreachableError) return { message: error.message, hint: error.hint };
  return { message: error instanceof Error ? error.message : String(error) };
}

/** The verification client is reached with the inventory's SSH defaults, under its own address. */
export function clientEntry(inventory: Inventory): HostEntry | undefined {
  const client = inventory.verify?.client;
  return client === undefined ? undefined : { name: client, host: client, ssh: inventory.ssh };
}
