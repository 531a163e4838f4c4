// A director's build seen alive while it runs: lb2 destroyed and applied again (cold: configure,
// make, make install of the lab's keepalived), its progress read from --log. The cluster is
// converged again afterwards, as the tests after this one expect it.
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';

import { join } from 'node:path';
import { LAB_INVENTORY, labExec } from './support/lab.js';
import { LAB_AUTH_PASS, lbprov } from './support/cluster.js';
import { tempDir } from '../support/temp-dir.js';

interface Progress {
  type: 'step_progress';
  host: string;
  step: string;
  name: string;
  line: string;
  elapsed_ms: number;
}

describe('progress of a build on the lab: the last line of configure / make while it runs', function () {
  it('a cold director reports its build as it goes: make/configure lines, throttled, in --log only', async () => {
    // After the procedure's tests lb2 is built: undone, it builds again. A fresh lab builds anyway.
    if ((await labExec('lb2', 'test -e /var/lib/lbprov')).code === 0) {
      const destroyed = await lbprov(['destroy', LAB_INVENTORY, '--limit', 'lb2', '--yes', '--json']);
      expect(destroyed.code, destroyed.stdout.slice(-3000)).to.equal(0);
    }
    const log = join(tempDir('lbprov-lab-progress-'), 'run.jsonl');
    const applied = await lbprov(['apply', LAB_INVENTORY, '--json', '--log', log]);
    expect(applied.code, applied.stdout.slice(-3000)).to.equal(0);
    // --json carries no progress: its lines mean what they meant before.
    expect(applied.events.filter((event) => event.type === 'step_progress')).to.deep.equal([]);

    const text = await readFile(log, 'utf8');
    expect(text).not.to.include(LAB_AUTH_PASS);
    const events = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string });
    const progress = events.filter((event): event is Progress => event.type === 'step_progress');
    const build = progress.filter((event) => event.host === 'lb2' && event.step === 'build-keepalived');
    expect(build.length, 'progress events of lb2 build-keepalived').to.be.greaterThan(0);
    expect(
      build.some((event) => /\b(make(\[\d+\])?:|gcc|cc |checking |configure)/.test(event.line)),
    ).to.equal(true);
    for (const event of build) {
      expect(event.line.trim()).to.equal(event.line);
      expect(event.line).not.to.equal('');
    }
    // At most one every 500 ms per host: each step's clock moves on by that much between two.
    const gaps = build.slice(1).map((event, index) => event.elapsed_ms - build[index]!.elapsed_ms);
    for (const gap of gaps) expect(gap).to.be.at.least(490);
    // Each progress event comes between its step's start and its end.
    const at = (type: string, step: string) =>
      events.findIndex(
        (event) =>
          event.type === type &&
          (event as { host?: string }).host === 'lb2' &&
          (event as { step?: string }).step === step,
      );
    const first = events.indexOf(build[0]!);
    const last = events.indexOf(build.at(-1)!);
    expect(at('step_start', 'build-keepalived')).to.be.below(first);
    expect(at('step', 'build-keepalived')).to.be.above(last);
    const duration = Number(
      (events[at('step', 'build-keepalived')] as unknown as { duration_ms: number }).duration_ms,
    );
    console.log(
      `      lb2 build-keepalived: ${(duration / 1000).toFixed(1)} s, ${build.length} progress events ` +
        `(${progress.length} in the run), smallest gap ${Math.min(...gaps)} ms; last line: ${build.at(-1)!.line}`,
    );
  });
});
