import { expect } from 'chai';
import type { DrillResult } from '../../../src/engine/events.js';
import { drillLines } from '../../../src/cli/output/drill-lines.js';

const result: DrillResult = {
  type: 'result',
  drill: 'failover',
  measurements: [],
  not_provable: [],
  problems: [],
  restored: true,
  interrupted: false,
  poll_interval_ms: 100,
  exit_code: 0,
  vip_on: ['lb1'],
};

function heldLine(held: DrillResult['held_connection']): string | undefined {
  return drillLines({ ...result, held_connection: held }).find((line) => line.includes('held connection'));
}

describe('drill redis-primary: the writes, as people read them', () => {
  it('prints what the writes saw, and a list never read back as such', () => {
    const writes = {
      via: 'sentinel' as const,
      old_primary: 'rs1',
      new_primary: 'rs2',
      attempts: 63,
      acknowledged: 22,
      failed: 41,
    };
    const redisPrimary = { ...result, drill: 'redis-primary' as const, vip_on: undefined };
    expect(
      drillLines({ ...redisPrimary, redis_writes: { ...writes, lost: 2, lost_numbers: [8, 9] } }),
    ).to.include(
      '  writes to the primary Sentinel named: 22 of 63 acknowledged, 41 failed; 2 acknowledged write(s) lost (#8, #9)',
    );
    expect(drillLines({ ...redisPrimary, redis_writes: { ...writes, lost: null } }).join('\n')).to.include(
      'lost: NOT READ BACK',
    );
  });
});

describe('drill failover: the held connection, as people read it', () => {
  it('says it was kept, how many commands failed, and when connection sync listed it on the BACKUP', () => {
    expect(heldLine({ outcome: 'kept', commands: 40, failed_commands: 0, synced_after_ms: 2392 })).to.equal(
      "  held connection through the VIP: kept; 0 of 40 commands failed (unanswered within 1 s or lost); in the other director's IPVS table 2.392s after its connect (connection sync)",
    );
  });

  it('says plainly when connection sync had not listed it before the stop', () => {
    expect(
      heldLine({
        outcome: 'reset',
        commands: 30,
        failed_commands: 2,
        reset_at_ms: 12_500,
        resets: 1,
        synced_after_ms: null,
      }),
    ).to.equal(
      "  held connection through the VIP: RESET 1 time(s), first at 12.500s; 2 of 30 commands failed (unanswered within 1 s or lost); NOT in the other director's IPVS table before the stop (connection sync)",
    );
  });

  it('says nothing of sync where the drill did not wait for it (connection_sync off)', () => {
    expect(
      heldLine({ outcome: 'reset', commands: 30, failed_commands: 2, reset_at_ms: 900, resets: 1 }),
    ).not.to.include('connection sync');
  });
});
