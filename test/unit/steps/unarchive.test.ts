import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unarchiveModule } from '../../../src/steps/unarchive.js';
import { checkCase, describeCases, onlyAction, type StepCase } from './support.js';

const SRC = '/usr/local/src/lbprov/keepalived-2.2.7.tar.gz';
const DEST = '/usr/local/src/lbprov/keepalived-2.2.7';

const cases: StepCase[] = [
  {
    name: 'dest exists: ok',
    args: { src: SRC, dest: DEST },
    facts: [true],
    expect: { status: 'ok', reason: `${DEST} is unpacked` },
  },
  {
    name: 'dest missing: unpack through a temp folder; undo removes the tree',
    args: { src: SRC, dest: DEST },
    facts: [false],
    expect: {
      status: 'change',
      description: `unpack ${SRC} into ${DEST}`,
      actions: ['shell'],
      undo: [{ kind: 'remove_tree', resource: `tree:${DEST}`, path: DEST }],
      diff: null,
      more(change) {
        const { script } = onlyAction(change, 'shell');
        expect(script).to.include(`--strip-components=1`);
        expect(script).to.include(`mv '${DEST}.lbprov-part' '${DEST}'`);
      },
    },
  },
  { name: 'a relative dest is refused', args: { src: SRC, dest: 'keepalived' }, rejects: 'dest' },
  { name: 'a missing src is refused', args: { dest: DEST }, rejects: 'src' },
];

describe('steps: unarchive', () => {
  describeCases(unarchiveModule, cases);

  describe('the unpack script, run with sh', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'lbprov-unarchive-'));
      mkdirSync(path.join(dir, 'build', 'pkg-1.0', 'src'), { recursive: true });
      writeFileSync(path.join(dir, 'build', 'pkg-1.0', 'configure'), '#!/bin/sh\n');
      writeFileSync(path.join(dir, 'build', 'pkg-1.0', 'src', 'main.c'), 'int main(void){return 0;}\n');
      execFileSync('tar', ['-czf', path.join(dir, 'pkg.tar.gz'), '-C', path.join(dir, 'build'), 'pkg-1.0']);
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const scriptFor = (src: string, dest: string): string => {
      const result = checkCase(unarchiveModule, {
        name: 'unpack',
        args: { src, dest },
        facts: [false],
        expect: {
          status: 'change',
          description: 'unpack',
          actions: ['shell'],
          undo: [{ kind: 'remove_tree', resource: `tree:${dest}`, path: dest }],
        },
      });
      if (result?.status !== 'change') throw new Error('expected a change');
      return onlyAction(result.change, 'shell').script;
    };

    it("the archive's top folder becomes dest; no temp folder is left", () => {
      const dest = path.join(dir, 'pkg');
      execFileSync('sh', ['-c', scriptFor(path.join(dir, 'pkg.tar.gz'), dest)]);
      expect(readdirSync(dest).sort()).to.deep.equal(['configure', 'src']);
      expect(readFileSync(path.join(dest, 'src', 'main.c'), 'utf8')).to.include('main');
      expect(existsSync(`${dest}.lbprov-part`)).to.equal(false);
    });

    it('a corrupt archive: the script fails and dest is never created', () => {
      writeFileSync(path.join(dir, 'bad.tar.gz'), 'not a tarball');
      const dest = path.join(dir, 'bad');
      expect(() =>
        execFileSync('sh', ['-c', scriptFor(path.join(dir, 'bad.tar.gz'), dest)], { stdio: 'pipe' }),
      ).to.throw();
      expect(existsSync(dest)).to.equal(false);
    });
  });
});
