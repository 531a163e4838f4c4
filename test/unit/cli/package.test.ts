// The README's install line, as a user runs it: `npm pack`, then `npm install -g` of the tarball.
// The tarball must hold what runs (dist/, bin/, the playbooks), the licence and the docs, and none
// of the sources or source maps; the installed command must work from another folder.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir, tempLabInventory } from '../../support/temp-dir.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe('the npm package (README: npm pack, npm install -g)', function () {
  this.timeout(300_000);
  const work = tempDir('lbprov-pack-');
  let tarball: string;
  let files: string[];

  before(() => {
    if (!existsSync(join(REPO, 'dist/cli/main.js')))
      throw new Error('dist/ is not built: npm run build first');
    // dist/ is built already (npm's `prepare` would build it again).
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
        cwd: REPO,
        encoding: 'utf8',
      }),
    ) as { filename: string; files: { path: string }[] }[];
    tarball = join(work, packed[0]!.filename);
    files = packed[0]!.files.map((file) => file.path);
  });

  it('holds the built CLI, its playbooks, the licence and the docs; no sources, no source maps', () => {
    for (const wanted of [
      'bin/lbprov',
      'dist/cli/main.js',
      'LICENSE',
      'README.md',
      'CHANGELOG.md',
      'package.json',
    ])
      expect(files, wanted).to.include(wanted);
    expect(files.some((file) => file.startsWith('playbooks/'))).to.equal(true);
    expect(files.filter((file) => file.endsWith('.map'))).to.deep.equal([]);
    expect(files.filter((file) => file.startsWith('src/') || file.startsWith('test/'))).to.deep.equal([]);
  });

  it('installs globally and runs from another folder: --version as package.json says, validate works', () => {
    const prefix = join(work, 'global');
    execFileSync(
      'npm',
      ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball],
      { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lbprov = join(prefix, 'bin', 'lbprov');
    const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    expect(execFileSync(lbprov, ['--version'], { cwd: work, encoding: 'utf8' }).trim()).to.equal(version);
    const validated = execFileSync(lbprov, ['validate', tempLabInventory()], {
      cwd: work,
      encoding: 'utf8',
    });
    expect(validated).to.match(/: valid/);
  });
});
