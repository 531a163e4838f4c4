import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { shellQuote } from '../../../src/util/shell.js';

describe('shellQuote', () => {
  const nasty = [
    '',
    'plain',
    'two words',
    "it's",
    "''",
    '"double"',
    '$(touch /tmp/lbprov-should-not-exist)',
    '`id`',
    '$HOME ${PATH}',
    'line one\nline two\n',
    'tab\there',
    '*?[a]',
    'back\\slash',
    '; rm -rf / #',
    '-n',
  ];
  for (const value of nasty) {
    it(`round-trips ${JSON.stringify(value)} through sh -c`, () => {
      const printed = execFileSync('sh', ['-c', `printf '%s' ${shellQuote(value)}`], { encoding: 'utf8' });
      expect(printed).to.equal(value);
    });
  }

  it('uses the single-quote style', () => {
    expect(shellQuote("a'b")).to.equal(`'a'\\''b'`);
  });
});
