import { expect } from 'chai';
import type { DrillEvent } from '../../../src/engine/events.js';
import type { Inventory } from '../../../src/model/inventory.js';
import type { Transport } from '../../../src/transport/types.js';
import { drillClock } from '../../../src/verify/drill-common.js';
import { InterruptGuard } from '../../../src/verify/interrupt.js';
import { waitForSync } from '../../../src/verify/sync-wait.js';

const inventory = {
  vrrp: { vip: { address: '192.168.56.200', prefix_length: 24 } },
  service: { protocol: 'TCP', port: 6379 },
} as unknown as Inventory;

const LISTED = 'TCP 14:59  ESTABLISHED 192.168.56.30:49748 192.168.56.200:6379 192.168.56.22:6379\n';

/** lb2's `ipvsadm -L -n -c`: empty until its `listedFromRead`-th read (never, when undefined). */
function lb2(listedFromRead: number | undefined) {
  let reads = 0;
  const transport = {
    exec: async () => {
      reads += 1;
      const listed = listedFromRead !== undefined && reads >= listedFromRead;
      return { code: 0, stdout: `IPVS connection entries\n${listed ? LISTED : ''}`, stderr: '' };
    },
  } as unknown as Transport;
  return { name: 'lb2', transport };
}

async function wait(taker: ReturnType<typeof lb2>, localPort: number | undefined, guard?: InterruptGuard) {
  const events: DrillEvent[] = [];
  const own = guard ?? new InterruptGuard(() => undefined, 130);
  try {
    const clock = drillClock();
    const synced = await waitForSync(
      { inventory, emit: (event) => events.push(event), guard: own },
      { taker, connection: { openedAtMs: 0, localPort }, clock, timeoutMs: 400 },
    );
    return { synced, said: events.map((event) => ('what' in event ? event.what : event.type)) };
  } finally {
    own.dispose();
  }
}

describe("drill failover: waiting for the BACKUP's IPVS table to list the held connection", function () {
  this.timeout(5000);

  it('returns how long after the connect the BACKUP listed it, and says so', async () => {
    const { synced, said } = await wait(lb2(3), 49748);
    expect(synced).to.be.a('number').and.at.least(150);
    expect(said).to.have.lengthOf(1);
    expect(said[0]).to.match(
      /^lists the held connection \(client port 49748\) in its IPVS table \(connection sync\)/,
    );
  });

  it('returns null when the BACKUP never lists it, and says the takeover cannot carry it', async () => {
    const { synced, said } = await wait(lb2(undefined), 49748);
    expect(synced).to.equal(null);
    expect(said[0]).to.include('does not list the held connection (client port 49748)');
  });

  it("does not take another client port's connection for it", async () => {
    expect((await wait(lb2(1), 49749)).synced).to.equal(null);
  });

  it('says it cannot wait when the client did not say its port', async () => {
    const { synced, said } = await wait(lb2(1), undefined);
    expect(synced).to.equal(undefined);
    expect(said[0]).to.include('cannot wait for connection sync');
  });

  it('reports nothing when interrupted (Ctrl-C) during the wait', async () => {
    const guard = new InterruptGuard(() => undefined, 130);
    setTimeout(() => process.emit('SIGINT', 'SIGINT'), 100);
    const { synced, said } = await wait(lb2(undefined), 49748, guard);
    expect(synced).to.equal(undefined);
    expect(said).to.deep.equal([]);
  });
});
