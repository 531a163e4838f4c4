import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe('lbprov --version', () => {
  it("prints package.json's version, the one npm publishes", () => {
    const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    const run = spawnSync(join(REPO, 'bin', 'lbprov'), ['--version'], { encoding: 'utf8' });
    expect(run.status).to.equal(0);
    expect(run.stdout.trim()).to.equal(version);
  });
});
