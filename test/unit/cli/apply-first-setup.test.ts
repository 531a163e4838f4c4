import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { tempDir } from '../../support/temp-dir.js';

const LBPROV = resolve(import.meta.dirname, '../../../bin/lbprov');

describe('lbprov apply on an inventory that does not exist yet', () => {
  it('without a terminal: fails with exit 4, says how to write the file, and contacts nothing', () => {
    const missing = join(tempDir('lbprov-first-'), 'inventory.yaml');
    const result = spawnSync(LBPROV, ['apply', missing], {
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    expect(result.status).to.equal(4);
    expect(result.stderr).to.include(`${missing} does not exist`);
    expect(result.stderr).to.include('needs a terminal').and.include('lbprov validate');
    expect(result.stdout).to.equal('');
  });

  it('with --json: fails the same way instead of prompting, as JSON lines on stdout', () => {
    const missing = join(tempDir('lbprov-first-'), 'inventory.yaml');
    const result = spawnSync(LBPROV, ['apply', missing, '--json'], { encoding: 'utf8' });
    expect(result.status).to.equal(4);
    expect(result.stderr).to.equal('');
    const events = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events[0]).to.include({ type: 'error', exit_code: 4 });
    expect(String(events[0]!.message)).to.include(`${missing} does not exist`);
    expect(events.at(-1)).to.include({ type: 'summary', exit_code: 4 });
  });
});
