import { expect } from 'chai';
import { MASK, SecretMasker } from '../../../src/util/mask.js';

function masker(...secrets: string[]): SecretMasker {
  const m = new SecretMasker();
  for (const secret of secrets) m.add(secret);
  return m;
}

describe('util: secret masking', () => {
  const rows: { name: string; secrets: string[]; text: string; shown: string }[] = [
    {
      name: 'a secret anywhere in the text',
      secrets: ['hunter22'],
      text: 'auth_pass hunter22\n',
      shown: `auth_pass ${MASK}\n`,
    },
    {
      name: 'every occurrence',
      secrets: ['pw12'],
      text: 'pw12 and pw12pw12',
      shown: `${MASK} and ${MASK}${MASK}`,
    },
    {
      name: 'the longest first: a secret containing another is masked whole',
      secrets: ['pass', 'password1'],
      text: 'auth_pass password1 / pass',
      shown: `auth_${MASK} ${MASK} / ${MASK}`,
    },
    {
      name: 'the longest first, whatever the order they were added in',
      secrets: ['password1', 'pass'],
      text: 'password1',
      shown: MASK,
    },
    {
      name: 'a two-character secret is accepted and masked',
      secrets: ['q7'],
      text: 'q7x',
      shown: `${MASK}x`,
    },
    {
      name: 'text without secrets is unchanged',
      secrets: ['hunter22'],
      text: 'nothing to hide',
      shown: 'nothing to hide',
    },
    {
      name: 'no secrets registered: unchanged',
      secrets: [],
      text: 'auth_pass 1111',
      shown: 'auth_pass 1111',
    },
    {
      name: 'regexp characters in a secret are literal',
      secrets: ['a.b*c$'],
      text: 'a.b*c$ axbbbc',
      shown: `${MASK} axbbbc`,
    },
    {
      name: 'a secret added twice is masked once per occurrence',
      secrets: ['dup-pw', 'dup-pw'],
      text: 'dup-pw',
      shown: MASK,
    },
  ];
  for (const row of rows)
    it(row.name, () => expect(masker(...row.secrets).mask(row.text)).to.equal(row.shown));

  it('refuses one-character and empty secrets (they would mask ordinary text)', () => {
    const m = new SecretMasker();
    expect(() => m.add('1')).to.throw('fewer than 2 characters');
    expect(() => m.add('')).to.throw('fewer than 2 characters');
    expect(m.mask('1111')).to.equal('1111');
  });

  it('maskDeep: every string of an event, however deep; other values kept', () => {
    const event = {
      type: 'step',
      status: 'would_change',
      diff: '+  auth_pass s3cret\n',
      duration_ms: 0,
      ok: true,
      none: null,
      error: { message: 'refused s3cret', output: ['line s3cret', { nested: 's3cret' }], hint: undefined },
    };
    expect(masker('s3cret').maskDeep(event)).to.deep.equal({
      type: 'step',
      status: 'would_change',
      diff: `+  auth_pass ${MASK}\n`,
      duration_ms: 0,
      ok: true,
      none: null,
      error: { message: `refused ${MASK}`, output: [`line ${MASK}`, { nested: MASK }], hint: undefined },
    });
    expect(event.diff, 'the event given is not modified').to.include('s3cret');
  });
});
