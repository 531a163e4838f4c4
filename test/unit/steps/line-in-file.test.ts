import { expect } from 'chai';
import { lineInFileModule, withLine, withoutLines } from '../../../src/steps/line-in-file.js';
import { MASK } from '../../../src/util/mask.js';
import type { Change } from '../../../src/steps/types.js';
import {
  absent,
  describeCases,
  file,
  fileWithoutContent,
  onlyAction,
  other,
  type StepCase,
} from './support.js';

const PATH = '/etc/redis/redis.conf';
const restore = { kind: 'restore_file', resource: `file:${PATH}`, path: PATH } as const;
const remove = { kind: 'remove_file', resource: `file:${PATH}`, path: PATH } as const;
const port = { path: PATH, regexp: '^\\s*port\\s', line: 'port 6380' };

const written = (expected: string) => (change: Change) =>
  expect(onlyAction(change, 'write_file').content.toString()).to.equal(expected);

const cases: StepCase[] = [
  {
    name: 'one matching line: replaced in place',
    args: port,
    facts: [file('bind 127.0.0.1\nport 6379\ndaemonize yes\n')],
    expect: {
      status: 'change',
      description: `update ${PATH} (content)`,
      actions: ['write_file'],
      undo: [restore],
      diff: ['-port 6379', '+port 6380'],
      more: written('bind 127.0.0.1\nport 6380\ndaemonize yes\n'),
    },
  },
  {
    name: 'several matching lines: only the last one (the one that wins) is replaced',
    args: port,
    facts: [file('port 1\nbind x\n  port 2\nsave 60\n')],
    expect: {
      status: 'change',
      description: 'content',
      actions: ['write_file'],
      undo: [restore],
      more: written('port 1\nbind x\nport 6380\nsave 60\n'),
    },
  },
  {
    name: 'no matching line: appended at the end',
    args: port,
    facts: [file('bind 127.0.0.1\n# port 6379\n')],
    expect: {
      status: 'change',
      description: 'content',
      actions: ['write_file'],
      undo: [restore],
      diff: '+port 6380',
      more: written('bind 127.0.0.1\n# port 6379\nport 6380\n'),
    },
  },
  {
    name: 'a file without a final newline: the line is appended on a line of its own',
    args: port,
    facts: [file('bind 127.0.0.1')],
    expect: {
      status: 'change',
      description: 'content',
      actions: ['write_file'],
      undo: [restore],
      more: written('bind 127.0.0.1\nport 6380\n'),
    },
  },
  {
    name: 'the line is already there: ok',
    args: port,
    facts: [file('bind 127.0.0.1\nport 6380\n')],
    expect: { status: 'ok', reason: 'up to date' },
  },
  {
    name: 'create: false and no file: fail, nothing created',
    args: { ...port, create: false },
    facts: [absent],
    expect: { status: 'fail', reason: `${PATH} does not exist`, hint: `create ${PATH} first` },
  },
  {
    name: 'create (default) and no file: created with the one line, root 0644; undo removes it',
    args: port,
    facts: [absent],
    expect: {
      status: 'change',
      description: `create ${PATH}`,
      actions: ['write_file'],
      undo: [remove],
      diff: ['/dev/null', '+port 6380'],
      more(change) {
        written('port 6380\n')(change);
        expect(onlyAction(change, 'write_file')).to.deep.include({
          mode: 0o644,
          owner: 'root',
          group: 'root',
        });
      },
    },
  },
  {
    name: 'a new file gets the given mode',
    args: { ...port, mode: '0600' },
    facts: [absent],
    expect: {
      status: 'change',
      description: 'create',
      actions: ['write_file'],
      undo: [remove],
      more: (change) => expect(onlyAction(change, 'write_file').mode).to.equal(0o600),
    },
  },
  {
    name: "an existing file keeps its own mode and owner (redis:redis 0640), not the step's mode",
    args: { ...port, mode: '0600' },
    facts: [file('port 6379\n', { mode: 0o640, owner: 'redis', group: 'redis' })],
    expect: {
      status: 'change',
      description: `update ${PATH} (content)`,
      actions: ['write_file'],
      undo: [restore],
      more: (change) =>
        expect(onlyAction(change, 'write_file')).to.deep.include({
          mode: 0o640,
          owner: 'redis',
          group: 'redis',
        }),
    },
  },
  {
    name: 'a file too large to read: fail instead of rewriting it',
    args: port,
    facts: [fileWithoutContent('0'.repeat(64))],
    expect: { status: 'fail', reason: 'too large to edit line by line' },
  },
  {
    name: 'a directory at the path: fail, naming the directory',
    args: port,
    facts: [other('directory')],
    expect: { status: 'fail', reason: `${PATH} is a directory` },
  },
  {
    name: 'an empty existing file: the line becomes its only line',
    args: port,
    facts: [file('')],
    expect: {
      status: 'change',
      description: 'content',
      actions: ['write_file'],
      undo: [restore],
      more: written('port 6380\n'),
    },
  },
  {
    name: 'a line with a newline is refused',
    args: { ...port, line: 'port 1\nport 2' },
    rejects: 'single line',
  },
  { name: 'an empty regexp is refused', args: { ...port, regexp: '' }, rejects: 'regexp' },
  {
    name: 'no line and not state: absent is refused',
    args: { path: PATH, regexp: '^port' },
    rejects: 'line',
  },
  // state: absent
  {
    name: 'absent: every matching line goes, the rest stays as it was; undo restores the file',
    args: { path: PATH, regexp: '^\\s*requirepass\\s', state: 'absent' },
    facts: [file('# requirepass foobared\nrequirepass a\nport 6379\n  requirepass b\n')],
    expect: {
      status: 'change',
      description: `update ${PATH} (content)`,
      actions: ['write_file'],
      undo: [restore],
      diff: ['-requirepass a', '-  requirepass b'],
      more: written('# requirepass foobared\nport 6379\n'),
    },
  },
  {
    name: 'absent: no matching line: ok',
    args: { path: PATH, regexp: '^\\s*requirepass\\s', state: 'absent' },
    facts: [file('# requirepass foobared\nport 6379\n')],
    expect: { status: 'ok', reason: 'up to date' },
  },
  {
    name: 'absent: no file: skipped, nothing created (create does not apply)',
    args: { path: PATH, regexp: '^\\s*requirepass\\s', state: 'absent' },
    facts: [absent],
    expect: { status: 'skip', reason: `${PATH} does not exist, so it holds no line to remove` },
  },
  {
    name: 'absent: the removed secret is masked in the diff (redact)',
    args: {
      path: PATH,
      regexp: '^\\s*requirepass\\s',
      state: 'absent',
      redact: '^\\s*requirepass\\s+(\\S+)',
    },
    facts: [file('port 6379\nrequirepass Old-Secret-9\n')],
    expect: {
      status: 'change',
      description: 'content',
      actions: ['write_file'],
      undo: [restore],
      diff: `-requirepass ${MASK}`,
      more: (change) => expect(change.diff).not.to.include('Old-Secret-9'),
    },
  },
  {
    name: 'present with redact: neither the old nor the new secret shows in the diff',
    args: {
      path: PATH,
      regexp: '^\\s*requirepass\\s',
      line: 'requirepass New-Secret-9',
      redact: '^\\s*requirepass\\s+(\\S+)',
    },
    facts: [file('requirepass Old-Secret-9\n')],
    expect: {
      status: 'change',
      description: 'content',
      actions: ['write_file'],
      undo: [restore],
      diff: [`-requirepass ${MASK}`, `+requirepass ${MASK} (changed)`],
      more: (change) => expect(change.diff).not.to.include('Old-Secret-9').and.not.to.include('New-Secret-9'),
    },
  },
  {
    name: 'a redact pattern without a capture group is refused',
    args: { ...port, redact: 'requirepass \\S+' },
    rejects: 'capture group',
  },
];

describe('steps: line_in_file', () => {
  describeCases(lineInFileModule, cases);

  describe('withLine', () => {
    const rows: [string, string, string][] = [
      ['', 'a = 1', 'a = 1\n'],
      ['a = 0\n', 'a = 1', 'a = 1\n'],
      ['a = 0\nb = 2\na = 3\n', 'a = 1', 'a = 0\nb = 2\na = 1\n'],
      ['b = 2\n', 'a = 1', 'b = 2\na = 1\n'],
      ['b = 2', 'a = 1', 'b = 2\na = 1\n'],
    ];
    for (const [before, line, after] of rows) {
      it(`${JSON.stringify(before)} + ${JSON.stringify(line)} -> ${JSON.stringify(after)}`, () => {
        expect(withLine(before, /^a\s*=/, line)).to.equal(after);
      });
    }
  });

  describe('withoutLines', () => {
    const rows: [string, string][] = [
      ['', ''],
      ['b = 2\n', 'b = 2\n'],
      ['a = 1\n', ''],
      ['a = 1\nb = 2\na = 3', 'b = 2'],
      ['b = 2\na = 1\n', 'b = 2\n'],
    ];
    for (const [before, after] of rows) {
      it(`${JSON.stringify(before)} -> ${JSON.stringify(after)}`, () => {
        expect(withoutLines(before, /^a\s*=/)).to.equal(after);
      });
    }
  });
});
