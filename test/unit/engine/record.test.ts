import { expect } from 'chai';
import { emptyRecord, hasResource, withUndo, type HostRecord } from '../../../src/engine/record.js';
import type { UndoRecord } from '../../../src/steps/types.js';

const restoreConf: UndoRecord = { kind: 'restore_file', resource: 'file:/etc/a.conf', path: '/etc/a.conf' };
const removeConf: UndoRecord = { kind: 'remove_file', resource: 'file:/etc/a.conf', path: '/etc/a.conf' };
const sysctlBack = (value: string): UndoRecord => ({
  kind: 'shell',
  resource: 'sysctl:net.ipv4.ip_forward',
  description: `set net.ipv4.ip_forward back to ${value}`,
  script: `printf '%s\\n' '${value}' > '/proc/sys/net/ipv4/ip_forward'`,
});

describe('engine: the host record', () => {
  const rows: { name: string; before: UndoRecord[]; add: UndoRecord[]; after: UndoRecord[] }[] = [
    { name: 'a first change is recorded', before: [], add: [removeConf], after: [removeConf] },
    {
      name: 'a later change of the same file keeps the first undo (remove what lbprov created, not restore its own version)',
      before: [removeConf],
      add: [restoreConf],
      after: [removeConf],
    },
    {
      name: 'a second live change keeps the value from before lbprov',
      before: [sysctlBack('0')],
      add: [sysctlBack('1')],
      after: [sysctlBack('0')],
    },
    {
      name: 'new resources are appended in order, known ones dropped',
      before: [removeConf],
      add: [sysctlBack('0'), restoreConf],
      after: [removeConf, sysctlBack('0')],
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const record: HostRecord = { ...emptyRecord(), undo: row.before };
      expect(withUndo(record, row.add).undo).to.deep.equal(row.after);
      expect(record.undo, 'the record given is not modified').to.deep.equal(row.before);
    });
  }

  it('hasResource', () => {
    const record: HostRecord = { ...emptyRecord(), undo: [removeConf] };
    expect(hasResource(record, 'file:/etc/a.conf')).to.equal(true);
    expect(hasResource(record, 'file:/etc/b.conf')).to.equal(false);
  });
});
