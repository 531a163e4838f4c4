import { expect } from 'chai';
import { lockFact, type LockState } from '../../../src/engine/lock.js';
import { recordFact, RecordFormatError, type HostRecord } from '../../../src/engine/record.js';

const valid: HostRecord = {
  format: 1,
  undo: [{ kind: 'remove_file', resource: 'file:/etc/a', path: '/etc/a' }],
  files: { '/etc/a': 'abc' },
  pending_handlers: ['reload-keepalived'],
  last_run: { id: '20240101T000000-abcdef', started: '2024-01-01T00:00:00.000Z' },
};

describe('facts: the host record', () => {
  it('absent (cat fails): undefined', () => {
    expect(recordFact.parse('', 1)).to.equal(undefined);
  });

  it('a valid record: read as written', () => {
    expect(recordFact.parse(`${JSON.stringify(valid, null, 2)}\n`, 0)).to.deep.equal(valid);
  });

  const corrupt: { name: string; output: string; says: string }[] = [
    { name: 'truncated JSON', output: '{"format": 1, "undo": [', says: 'is not a record lbprov can read' },
    { name: 'an empty file', output: '', says: 'is not a record lbprov can read' },
    { name: 'a future format', output: '{"format": 2, "undo": []}', says: 'unknown format' },
    { name: 'undo that is not a list', output: '{"format": 1, "undo": {}}', says: 'unknown format' },
  ];
  for (const row of corrupt) {
    it(`${row.name}: an error that names the file and says what not to do`, () => {
      expect(() => recordFact.parse(row.output, 0))
        .to.throw(RecordFormatError, row.says)
        .with.property('message')
        .that.includes('/var/lib/lbprov/state.json')
        .and.includes('move it away only if you are sure');
    });
  }
});

describe('facts: the host lock', () => {
  const rows: { name: string; output: string; state: LockState }[] = [
    {
      name: 'free, no info file, nothing staged',
      output: 'free\nstaged 0\n',
      state: { held: false, staged: 0 },
    },
    {
      name: 'held: the holder from the info file',
      output: 'held\nstaged 0\nalice@ops run 20240101T000000-abc since 2024-01-01T00:00:00Z\npid 4242\n',
      state: {
        held: true,
        holder: 'alice@ops run 20240101T000000-abc since 2024-01-01T00:00:00Z pid 4242',
        staged: 0,
      },
    },
    {
      name: 'held without an info file: an unknown holder',
      output: 'held\nstaged 1\n',
      state: { held: true, holder: 'unknown holder', staged: 1 },
    },
    {
      name: 'free but an info file and two staged files are left: the traces of a run that died',
      output: 'free\nstaged 2\nbob@ci run 20240102T000000-def since 2024-01-02T00:00:00Z\npid 17\n',
      state: {
        held: false,
        stale: 'bob@ci run 20240102T000000-def since 2024-01-02T00:00:00Z pid 17',
        staged: 2,
      },
    },
  ];
  for (const row of rows) it(row.name, () => expect(lockFact.parse(row.output, 0)).to.deep.equal(row.state));
});
