import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import {
  buildProbeScript,
  parseProbeOutput,
  ProbeOutputError,
  uniqueFacts,
} from '../../../src/facts/batch.js';
import type { Fact } from '../../../src/facts/fact.js';
import { pathExistsFact } from '../../../src/facts/files.js';
import { commandFact } from '../../../src/facts/system.js';

const sh = (script: string): string =>
  execFileSync('sh', ['-c', script], { encoding: 'utf8', timeout: 10_000 });

/** A fact that reports its raw output and exit code as they reach the parser. */
const raw = (key: string, command: string): Fact<{ output: string; code: number }> => ({
  key,
  command,
  parse: (output, code) => ({ output, code }),
});

describe('facts: batch (one probe script per host)', () => {
  it('round trip through sh: several facts, one script, each answered', () => {
    const facts = [pathExistsFact('/'), pathExistsFact('/nonexistent/lbprov'), commandFact('echo hi')];
    const probe = buildProbeScript(facts);
    const values = parseProbeOutput(probe, sh(probe.script));
    expect([...values.entries()]).to.deep.equal([
      ['exists:/', true],
      ['exists:/nonexistent/lbprov', false],
      ['command:echo hi', { code: 0, output: 'hi\n' }],
    ]);
  });

  it('a fact that calls exit ends only itself: the next fact is still answered', () => {
    const facts = [raw('a', 'echo before; exit 7; echo never'), raw('b', 'echo after')];
    const probe = buildProbeScript(facts);
    const values = parseProbeOutput(probe, sh(probe.script));
    expect(values.get('a')).to.deep.equal({ output: 'before\n', code: 7 });
    expect(values.get('b')).to.deep.equal({ output: 'after\n', code: 0 });
  });

  const rows: { name: string; command: string; answer: { output: string; code: number } }[] = [
    { name: 'no output', command: 'true', answer: { output: '', code: 0 } },
    {
      name: 'output without a final newline',
      command: "printf 'no newline'",
      answer: { output: 'no newline', code: 0 },
    },
    {
      name: 'stderr is not part of the answer',
      command: 'echo out; echo err >&2',
      answer: { output: 'out\n', code: 0 },
    },
    {
      name: 'stdin is empty (a reading fact cannot hang the probe)',
      command: 'cat',
      answer: { output: '', code: 0 },
    },
    {
      name: 'a forged marker with another nonce is just output',
      command: "printf '\\n__lbprov_0000000000000000 1 0\\nafter\\n'",
      answer: { output: '\n__lbprov_0000000000000000 1 0\nafter\n', code: 0 },
    },
    {
      name: 'a set -e inside a fact does not leak out',
      command: 'set -e; false; echo never',
      answer: { output: '', code: 1 },
    },
  ];
  for (const row of rows) {
    it(`${row.name}`, () => {
      const probe = buildProbeScript([raw('x', row.command), raw('next', 'echo next')]);
      const values = parseProbeOutput(probe, sh(probe.script));
      expect(values.get('x')).to.deep.equal(row.answer);
      expect(values.get('next')).to.deep.equal({ output: 'next\n', code: 0 });
    });
  }

  it("an inline fact runs as a group in the probe's own shell (no subshell): its code and output as any", () => {
    const inline: Fact<{ output: string; code: number }> = {
      ...raw('inline', 'lbp_seen=yes; echo in; false'),
      inline: true,
    };
    const probe = buildProbeScript([
      raw('before', 'echo before'),
      inline,
      raw('after', 'echo "${lbp_seen:-no}"'),
    ]);
    expect(probe.script).to.include('{\nlbp_seen=yes; echo in; false\n} </dev/null 2>/dev/null');
    const values = parseProbeOutput(probe, sh(probe.script));
    expect(values.get('inline')).to.deep.equal({ output: 'in\n', code: 1 });
    // What an inline fact sets, the facts after it see: hence only lbp_* names (Fact.inline).
    expect(values.get('after')).to.deep.equal({ output: 'yes\n', code: 0 });
    expect(values.get('before')).to.deep.equal({ output: 'before\n', code: 0 });
  });

  it('each probe has its own nonce', () => {
    expect(buildProbeScript([]).nonce).not.to.equal(buildProbeScript([]).nonce);
  });

  describe('broken output', () => {
    const facts = [raw('first', 'echo 1'), raw('second', 'echo 2'), raw('third', 'echo 3')];

    it('no markers at all: ProbeOutputError naming every fact', () => {
      const probe = buildProbeScript(facts, 'abc');
      expect(() => parseProbeOutput(probe, 'sudo: a password is required\n')).to.throw(
        ProbeOutputError,
        'no answer for first, second, third',
      );
    });

    it('output cut after the first answer: ProbeOutputError naming the rest', () => {
      const probe = buildProbeScript(facts, 'abc');
      const cut = sh(probe.script).split('\n__lbprov_abc 1 ')[0] ?? '';
      expect(() => parseProbeOutput(probe, cut)).to.throw(ProbeOutputError, 'no answer for second, third');
    });

    it('a marker for a fact that was not asked: ProbeOutputError', () => {
      const probe = buildProbeScript(facts.slice(0, 1), 'abc');
      expect(() => parseProbeOutput(probe, '1\n__lbprov_abc 0 0\n\n__lbprov_abc 5 0\n')).to.throw(
        ProbeOutputError,
        'unknown fact #5',
      );
    });
  });

  it('uniqueFacts: one question per key, the first kept', () => {
    const a = raw('k', 'echo a');
    const b = raw('k', 'echo b');
    expect(uniqueFacts([a, b, raw('j', 'true')]).map((fact) => fact.command)).to.deep.equal([
      'echo a',
      'true',
    ]);
  });
});
