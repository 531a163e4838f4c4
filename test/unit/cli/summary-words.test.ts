import { expect } from 'chai';
import { summaryLines } from '../../../src/cli/output/words.js';
import type { EngineEvent, RunMode } from '../../../src/engine/events.js';

function quiet(mode: RunMode): Extract<EngineEvent, { type: 'summary' }> {
  return {
    type: 'summary',
    hosts: { lb1: { ok: 3, changed: 0, failed: 0, unreachable: false } },
    mode,
    changed: 0,
    duration_ms: 900,
    exit_code: 0,
    flags: [],
  };
}

describe('the closing line of a run that changed nothing', () => {
  const rows: [RunMode, string][] = [
    ['apply', 'Nothing to change: the cluster is converged (0.9s).'],
    ['dry-run', 'Nothing to change: the cluster is converged (0.9s).'],
    // A destroy that finds nothing is not a "converged cluster": there is no cluster left.
    ['destroy', 'Nothing to undo: nothing lbprov made is left on these hosts (0.9s).'],
    ['destroy-dry-run', 'Nothing to undo: nothing lbprov made is left on these hosts (0.9s).'],
  ];
  for (const [mode, line] of rows) {
    it(`${mode}: ${line}`, () => {
      expect(summaryLines(quiet(mode)).at(-1)).to.equal(line);
    });
  }
});
