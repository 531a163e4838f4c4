/**
 * Connection sync in `lbprov drill failover`: the held connection is stopped only once the director
 * that takes over lists it, as it lists any connection older than the sync delay.
 */
import type { DrillContext } from './drill-common.js';
import type { HeldConnection } from './held-connection.js';
import { ipvsTableCommand } from './ipvs-support.js';
import { connectionState } from './ipvsadm.js';
import { pollUntil, type WatchedHost } from './poll.js';

/**
 * How long the drill waits for connection sync to put the held connection into the other
 * director's table. The kernel's master sync thread sends a connection when it becomes
 * ESTABLISHED, but only in the next datagram, which leaves when full or 2 s old
 * (IPVS_SYNC_FLUSH_TIME): a connection younger than that is not on the BACKUP yet, and a stop then
 * resets it (measured in the Vagrant lab: a connection opened as the stop began was reset by lb2's
 * own TCP stack; lb2 listed the drill's connection 2.3-3.2 s after its connect). A pool's
 * connections are older; five flushes leave room for a lost datagram.
 */
export const SYNC_WAIT_MS = 10_000;

/** Milliseconds from the connect until `taker` listed the connection; null: not within the wait. */
export async function waitForSync(
  context: Pick<DrillContext, 'inventory' | 'emit' | 'guard'>,
  opts: {
    taker: WatchedHost;
    connection: Pick<HeldConnection, 'openedAtMs' | 'localPort'>;
    clock(): number;
    timeoutMs?: number;
  },
): Promise<number | null | undefined> {
  const { taker, clock, timeoutMs = SYNC_WAIT_MS } = opts;
  const { openedAtMs, localPort } = opts.connection;
  if (openedAtMs === undefined) return undefined;
  const { inventory } = context;
  const service = {
    protocol: inventory.service.protocol,
    address: inventory.vrrp.vip.address,
    port: inventory.service.port,
  };
  const what = `the held connection${localPort === undefined ? '' : ` (client port ${localPort})`}`;
  if (localPort === undefined) {
    context.emit({
      type: 'observed',
      host: taker.name,
      what: `${what}: the client did not say its port, so the drill cannot wait for connection sync to list it`,
      at_ms: clock(),
    });
    return undefined;
  }
  const { samples, reached } = await pollUntil(
    async () => {
      const table = await taker.transport.exec(ipvsTableCommand('connections'));
      return connectionState(table.stdout, service, localPort);
    },
    { clock, timeoutMs, signal: context.guard.signal, done: (state) => state !== undefined },
  );
  // Ctrl-C: the drill stops before anything was stopped; an unfinished wait proves nothing.
  if (context.guard.signal.aborted) return undefined;
  const at = samples.at(-1)?.at_ms ?? clock();
  context.emit({
    type: 'observed',
    host: taker.name,
    what: reached
      ? `lists ${what} in its IPVS table (connection sync), ${((at - openedAtMs) / 1000).toFixed(1)} s after its connect`
      : `does not list ${what} in its IPVS table ${timeoutMs / 1000} s after its connect: the takeover cannot carry it`,
    at_ms: at,
  });
  return reached ? at - openedAtMs : null;
}
