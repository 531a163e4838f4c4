import { expect } from 'chai';
import { checkFailoverLimit, drillTarget } from '../../../src/cli/drill-limit.js';
import { SetupError } from '../../../src/cli/session.js';
import type { Inventory } from '../../../src/model/inventory.js';

const inventory = {
  directors: [
    { name: 'lb1', host: '192.168.56.10', state: 'MASTER' },
    { name: 'lb2', host: '192.168.56.11', state: 'BACKUP' },
  ],
  real_servers: [
    { name: 'rs1', host: '192.168.56.21' },
    { name: 'rs2', host: '192.168.56.22' },
  ],
} as unknown as Inventory;

/** The usage error a call throws: exit 1 and its message. */
function refusal(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    expect(error).to.be.instanceOf(SetupError);
    expect((error as SetupError).exitCode).to.equal(1);
    return (error as SetupError).message;
  }
  throw new Error('expected a usage error');
}

describe('drill --limit', () => {
  describe('failover needs both directors', () => {
    it('runs without --limit, or with both directors selected', () => {
      expect(() => checkFailoverLimit(inventory, undefined)).not.to.throw();
      expect(() => checkFailoverLimit(inventory, new Set(['lb1', 'lb2', 'rs1']))).not.to.throw();
    });

    it('a director left out: a usage error naming it and its role', () => {
      expect(refusal(() => checkFailoverLimit(inventory, new Set(['lb1'])))).to.equal(
        'drill failover needs both directors, and --limit leaves out lb2 (BACKUP); add it to --limit (e.g. --limit directors) or leave --limit out',
      );
      expect(refusal(() => checkFailoverLimit(inventory, new Set(['rs1'])))).to.include(
        'leaves out lb1 (MASTER), lb2 (BACKUP); add them',
      );
    });
  });

  describe('realserver: --limit says which real servers may be drilled', () => {
    it('the one named, by name or address, when --limit selects it or there is no --limit', () => {
      expect(drillTarget(inventory, 'rs2', undefined)).to.equal('rs2');
      expect(drillTarget(inventory, '192.168.56.21', new Set(['rs1', 'lb1']))).to.equal('rs1');
    });

    it('none named: the only real server --limit selects', () => {
      expect(drillTarget(inventory, undefined, new Set(['rs2', 'lb1', 'lb2']))).to.equal('rs2');
    });

    it('a named one --limit leaves out, or none it selects: usage errors saying what to do', () => {
      expect(refusal(() => drillTarget(inventory, 'rs1', new Set(['rs2'])))).to.equal(
        '--limit leaves out rs1, the real server to drill (it selects rs2); add rs1 to --limit or drill one it selects',
      );
      expect(refusal(() => drillTarget(inventory, 'rs1', new Set(['lb1'])))).to.include(
        '--limit selects no real server',
      );
    });

    it('none named and not one selected: usage errors that list the choices', () => {
      expect(refusal(() => drillTarget(inventory, undefined, undefined))).to.equal(
        'drill realserver needs the real server to stop: name it (real servers: rs1, rs2) or select one with --limit',
      );
      expect(refusal(() => drillTarget(inventory, undefined, new Set(['rs1', 'rs2'])))).to.equal(
        '--limit selects 2 real servers (rs1, rs2) and the drill stops one: name it, or narrow --limit to one',
      );
      expect(refusal(() => drillTarget(inventory, undefined, new Set(['lb1'])))).to.include(
        '--limit selects no real server, so there is none to drill (real servers: rs1, rs2)',
      );
    });

    it('a name that is no real server is refused as before', () => {
      expect(() => drillTarget(inventory, 'lb1', undefined)).to.throw('real servers: rs1, rs2');
    });
  });
});
