import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const LBPROV = resolve(import.meta.dirname, '../../../bin/lbprov');

describe('lbprov apply on an inventory that does not exist yet', () => {
  it('without a terminal: fails with exit 4, says how to write the file, and contacts nothing', () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'lbprov-first-')), 'inventory.yaml');
    const result = spawnSync(LBPROV, ['apply', missing], {
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    expect(result.status).to.equal(4);
    expect(result.stderr).to.include(`${missing} does not exist`);
    expect(result.stderr).to.include('needs a terminal').and.include('lbprov validate');
    expect(result.stdout).to.equal('');
  });

  it('with --json: fails the same way instead of prompting', () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'lbprov-first-')), 'inventory.yaml');
    const result = spawnSync(LBPROV, ['apply', missing, '--json'], { encoding: 'utf8' });
    expect(result.status).to.equal(4);
    expect(result.stderr).to.include('does not exist');
  });
});

describe('--json when the run cannot start', function () {
  // Four CLI starts; a busy 2-core machine takes longer than mocha's default 2 s.
  this.timeout(30_000);
  it('an invalid inventory: an error event, then the summary line last, with the exit code (nothing on stderr)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lbprov-json-')), 'inventory.yaml');
    writeFileSync(file, 'ssh: [\n');
    for (const args of [
      ['apply', file, '--json'],
      ['status', file, '--json'],
      ['destroy', file, '--json', '--yes'],
      ['verify', file, '--json'],
    ]) {
      const result = spawnSync(LBPROV, args, { encoding: 'utf8' });
      expect(result.status, args.join(' ')).to.equal(4);
      expect(result.stderr, args.join(' ')).to.equal('');
      const events = result.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(events[0]).to.include({ type: 'error', exit_code: 4 });
      expect(events.at(-1)).to.include({ type: 'summary', exit_code: 4, changed: 0 });
      expect(String(events.at(-1)!.error)).to.include('YAML syntax');
    }
  });
});
