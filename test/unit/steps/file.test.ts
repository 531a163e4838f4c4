import { expect } from 'chai';
import { fileModule } from '../../../src/steps/file.js';
import { MASK, SecretMasker } from '../../../src/util/mask.js';
import {
  absent,
  checkCase,
  declaredFacts,
  hostContext,
  describeCases,
  file,
  fileWithoutContent,
  onlyAction,
  other,
  sha,
  type StepCase,
} from './support.js';

const PATH = '/etc/app.conf';
const restore = { kind: 'restore_file', resource: `file:${PATH}`, path: PATH } as const;
const remove = { kind: 'remove_file', resource: `file:${PATH}`, path: PATH } as const;

const cases: StepCase[] = [
  {
    name: 'absent: created with a diff from /dev/null; undo removes it',
    args: { path: PATH, content: 'hello\n' },
    facts: [absent],
    expect: {
      status: 'change',
      description: `create ${PATH}`,
      actions: ['write_file'],
      undo: [remove],
      diff: ['--- /dev/null', `+++ ${PATH}`, '+hello'],
      more(change) {
        const write = onlyAction(change, 'write_file');
        expect(write).to.deep.include({ path: PATH, mode: 0o644, owner: 'root', group: 'root' });
        expect(write.content.toString()).to.equal('hello\n');
        expect(write.validate).to.equal(undefined);
      },
    },
  },
  {
    name: 'same content, mode and owner: ok',
    args: { path: PATH, content: 'hello\n' },
    facts: [file('hello\n')],
    expect: { status: 'ok', reason: `${PATH} is up to date` },
  },
  {
    name: 'other content: updated with a diff of old and new; undo restores the old file',
    args: { path: PATH, content: 'port 2\n' },
    facts: [file('port 1\n')],
    expect: {
      status: 'change',
      description: `update ${PATH} (content)`,
      actions: ['write_file'],
      undo: [restore],
      diff: ['-port 1', '+port 2', 'on host', 'wanted'],
    },
  },
  {
    name: 'mode drift only: change without a content diff',
    args: { path: PATH, content: 'hello\n', mode: '0644' },
    facts: [file('hello\n', { mode: 0o600 })],
    expect: {
      status: 'change',
      description: `update ${PATH} (mode 0600 -> 0644)`,
      actions: ['write_file'],
      undo: [restore],
      diff: null,
    },
  },
  {
    name: 'owner drift only: change without a content diff',
    args: { path: PATH, content: 'hello\n' },
    facts: [file('hello\n', { owner: 'app', group: 'app' })],
    expect: {
      status: 'change',
      description: `update ${PATH} (owner app:app -> root:root)`,
      actions: ['write_file'],
      undo: [restore],
      diff: null,
    },
  },
  {
    name: 'group drift only is a change too',
    args: { path: PATH, content: 'hello\n', group: 'adm' },
    facts: [file('hello\n')],
    expect: {
      status: 'change',
      description: 'owner root:root -> root:adm',
      actions: ['write_file'],
      undo: [restore],
      diff: null,
    },
  },
  {
    name: 'content, mode and owner all differ: every difference is named',
    args: { path: PATH, content: 'new\n', mode: '0640', owner: 'redis', group: 'redis' },
    facts: [file('old\n', { mode: 0o644 })],
    expect: {
      status: 'change',
      description: `update ${PATH} (content, mode 0644 -> 0640, owner root:root -> redis:redis)`,
      actions: ['write_file'],
      undo: [restore],
      diff: ['-old', '+new'],
      more: (change) =>
        expect(onlyAction(change, 'write_file')).to.deep.include({ mode: 0o640, owner: 'redis' }),
    },
  },
  {
    name: 'mode "0600" (string) matches a 0600 file',
    args: { path: PATH, content: 'x', mode: '0600' },
    facts: [file('x', { mode: 0o600 })],
    expect: { status: 'ok', reason: 'up to date' },
  },
  {
    name: 'an unquoted mode is refused: YAML reads 0644 as the decimal 644',
    args: { path: PATH, content: 'x', mode: 644 },
    rejects: 'must be a quoted octal mode',
  },
  {
    name: 'a directory in the way: fail before anything is written',
    args: { path: PATH, content: 'x' },
    facts: [other('directory')],
    expect: { status: 'fail', reason: `${PATH} is a directory, not a regular file`, hint: 'move it away' },
  },
  {
    name: 'a symlink in the way: fail (never written through)',
    args: { path: PATH, content: 'x' },
    facts: [other('symlink')],
    expect: { status: 'fail', reason: 'is a symlink' },
  },
  {
    name: 'validate is handed to the write',
    args: { path: '/etc/keepalived/keepalived.conf', content: 'x\n', validate: 'keepalived -t -f {}' },
    facts: [absent],
    expect: {
      status: 'change',
      description: 'create /etc/keepalived/keepalived.conf',
      actions: ['write_file'],
      undo: [
        {
          kind: 'remove_file',
          resource: 'file:/etc/keepalived/keepalived.conf',
          path: '/etc/keepalived/keepalived.conf',
        },
      ],
      more: (change) => expect(onlyAction(change, 'write_file').validate).to.equal('keepalived -t -f {}'),
    },
  },
  {
    name: 'a binary file on the host: a one-line summary, not a diff of bytes',
    args: { path: PATH, content: 'text\n' },
    facts: [file(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01]))],
    expect: {
      status: 'change',
      description: 'content',
      actions: ['write_file'],
      undo: [restore],
      diff: 'binary or large file: content replaced, 5 bytes',
    },
  },
  {
    name: 'a large file (no content read) with the wanted sha256: ok',
    args: { path: PATH, content: 'big\n' },
    facts: [fileWithoutContent(sha('big\n'))],
    expect: { status: 'ok', reason: 'up to date' },
  },
  {
    name: 'a large file with another sha256: replaced, summarised instead of diffed',
    args: { path: PATH, content: 'small\n' },
    facts: [fileWithoutContent(sha('something else'))],
    expect: {
      status: 'change',
      description: 'content',
      actions: ['write_file'],
      undo: [restore],
      diff: 'binary or large file',
    },
  },
  { name: 'a relative path is refused', args: { path: 'etc/app.conf', content: 'x' }, rejects: 'path' },
  {
    name: 'a path with a space is refused',
    args: { path: '/etc/my app.conf', content: 'x' },
    rejects: 'path',
  },
  { name: 'an unknown argument is refused', args: { path: PATH, content: 'x', mod: '0644' }, rejects: 'mod' },
  { name: 'a non-octal mode is refused', args: { path: PATH, content: 'x', mode: '0999' }, rejects: 'mode' },
  {
    name: 'an owner with capitals is refused',
    args: { path: PATH, content: 'x', owner: 'Root' },
    rejects: 'owner',
  },
];

describe('steps: file', () => {
  describeCases(fileModule, cases);

  describe('secret-bearing content', () => {
    const secret = 'Vr7-pass';
    const conf = `vrrp_instance VI_1 {\n  authentication {\n    auth_pass ${secret}\n  }\n}\n`;

    it('is written 0600 and its secret leaves the plan only through the masker', () => {
      const result = checkCase(fileModule, {
        name: 'secret',
        args: { path: '/etc/keepalived/keepalived.conf', content: conf, mode: '0600' },
        facts: [absent],
        expect: {
          status: 'change',
          description: 'create /etc/keepalived/keepalived.conf',
          actions: ['write_file'],
          undo: [
            {
              kind: 'remove_file',
              resource: 'file:/etc/keepalived/keepalived.conf',
              path: '/etc/keepalived/keepalived.conf',
            },
          ],
          diff: `auth_pass ${secret}`,
        },
      });
      if (result?.status !== 'change') throw new Error('expected a change');
      // The temp file gets the mode before the rename, so the secret is never world-readable.
      expect(onlyAction(result.change, 'write_file').mode).to.equal(0o600);
      const masker = new SecretMasker();
      masker.add(secret);
      const shown = masker.maskDeep({ description: result.change.description, diff: result.change.diff });
      expect(JSON.stringify(shown)).not.to.include(secret);
      expect(shown.diff).to.include(`auth_pass ${MASK}`);
    });

    it('the same secret already on the host: ok, nothing to show', () => {
      checkCase(fileModule, {
        name: 'secret unchanged',
        args: { path: '/etc/keepalived/keepalived.conf', content: conf, mode: '0600' },
        facts: [file(conf, { mode: 0o600 })],
        expect: { status: 'ok', reason: 'up to date' },
      });
    });

    it('a rotated password: neither the old nor the new one shows in the diff', () => {
      const old = conf.replace(secret, 'OldPass1');
      const args = fileModule.parseArgs({
        path: '/etc/keepalived/keepalived.conf',
        content: conf,
        mode: '0600',
        redact: 'auth_pass\\s+(\\S+)',
      });
      const result = fileModule.check(
        args,
        declaredFacts(fileModule, args, [file(old, { mode: 0o600 })]),
        hostContext(),
      );
      if (result.status !== 'change') throw new Error('expected a change');
      expect(result.change.diff).not.to.include('OldPass1').and.not.to.include(secret);
      expect(result.change.diff)
        .to.include(`-    auth_pass ${MASK}\n`)
        .and.include(`+    auth_pass ${MASK} (changed)`);
    });
  });
});
