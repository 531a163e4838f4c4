// The file module's `seed`: a file its own program rewrites (Redis Sentinel). lbprov writes it when
// absent or when what it would write changes, and otherwise leaves the program's rewrites alone.
import { expect } from 'chai';
import { fileModule } from '../../../src/steps/file.js';
import { MASK } from '../../../src/util/mask.js';
import { absent, describeCases, file, sha, type StepCase } from './support.js';

const PATH = '/etc/redis/lbprov-sentinel.conf';
const RECORD = '/etc/redis/lbprov-sentinel.seed';
const SEED = 'sentinel monitor lbprov 10.0.0.21 6379 2\nsentinel auth-pass lbprov S3cret-pw\n';
/** What Sentinel makes of the seed after a failover: the new primary, and what it learnt. */
const REWRITTEN =
  'sentinel monitor lbprov 10.0.0.22 6379 2\nsentinel auth-pass lbprov "S3cret-pw"\nsentinel myid 4f1c\nsentinel config-epoch lbprov 1\n';
const args = {
  path: PATH,
  content: SEED,
  mode: '0640',
  owner: 'redis',
  group: 'redis',
  redact: '^\\s*sentinel\\s+auth-pass\\s+\\S+\\s+"?([^"\\s]+)',
  seed: { record: RECORD, rewritten_by: 'Redis Sentinel' },
};
const record = (content: string) => file(`# sha256 of what lbprov last wrote\n${sha(content)}\n`);
const owned = { mode: 0o640, owner: 'redis', group: 'redis' };

const cases: StepCase[] = [
  {
    name: 'absent: written with the record of what was written; undo removes both (the file as Sentinel left it, no copy kept)',
    args,
    facts: [absent, absent],
    expect: {
      status: 'change',
      description: `create ${PATH}`,
      actions: ['write_file', 'write_file'],
      undo: [
        { kind: 'shell', resource: `file:${PATH}`, description: `remove ${PATH}`, script: `rm -f '${PATH}'` },
        { kind: 'remove_file', resource: `file:${RECORD}`, path: RECORD },
      ],
      diff: ['+sentinel monitor lbprov 10.0.0.21 6379 2', `+sentinel auth-pass lbprov ${MASK}`],
      more(change) {
        const [conf, kept] = change.actions;
        expect(conf).to.deep.include({ kind: 'write_file', path: PATH, mode: 0o640, owner: 'redis' });
        expect(kept).to.deep.include({ kind: 'write_file', path: RECORD });
        if (kept?.kind !== 'write_file') throw new Error('expected the record');
        expect(kept.content.toString()).to.include(`\n${sha(SEED)}\n`);
        expect(change.diff).not.to.include('S3cret-pw');
      },
    },
  },
  {
    name: 'rewritten by Sentinel since (a failover), the same settings asked for: ok, left alone',
    args,
    facts: [file(REWRITTEN, owned), record(SEED)],
    expect: { status: 'ok', reason: 'as Redis Sentinel rewrote it since (lbprov leaves its rewrites alone)' },
  },
  {
    name: 'the inventory asks for other settings: written again, the rewrites replaced; undo restores the old file',
    args: { ...args, content: SEED.replace('6379 2', '6379 3') },
    facts: [file(REWRITTEN, owned), record(SEED)],
    expect: {
      status: 'change',
      description: 'the inventory changed what it asks for',
      actions: ['write_file', 'write_file'],
      undo: [
        { kind: 'restore_file', resource: `file:${PATH}`, path: PATH },
        { kind: 'restore_file', resource: `file:${RECORD}`, path: RECORD },
      ],
      diff: ['-sentinel myid 4f1c', '+sentinel monitor lbprov 10.0.0.21 6379 3'],
      more(change) {
        expect(change.diff).not.to.include('S3cret-pw');
      },
    },
  },
  {
    name: 'a file lbprov has no record of writing: written, and recorded',
    args,
    facts: [file(REWRITTEN, owned), absent],
    expect: {
      status: 'change',
      description: 'lbprov has no record of writing it',
      actions: ['write_file', 'write_file'],
      undo: [
        { kind: 'restore_file', resource: `file:${PATH}`, path: PATH },
        { kind: 'remove_file', resource: `file:${RECORD}`, path: RECORD },
      ],
    },
  },
  {
    name: 'the record survives but the file is gone: written again',
    args,
    facts: [absent, record(SEED)],
    expect: {
      status: 'change',
      description: `create ${PATH}`,
      actions: ['write_file', 'write_file'],
      undo: [
        { kind: 'shell', resource: `file:${PATH}`, description: `remove ${PATH}`, script: `rm -f '${PATH}'` },
        { kind: 'restore_file', resource: `file:${RECORD}`, path: RECORD },
      ],
    },
  },
  {
    name: 'a seed without its record path is refused',
    args: { ...args, seed: { rewritten_by: 'x' } },
    rejects: 'seed.record',
  },
];

describe('file module: seed (a file its program rewrites)', () => describeCases(fileModule, cases));
