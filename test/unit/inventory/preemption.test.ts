import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { formatDiagnostic, validateInventoryText } from '../../../src/inventory/index.js';
import { errorAt, positionOf } from './positions.js';

const BASE = readFileSync(new URL('../../fixtures/inventories/base.yaml', import.meta.url), 'utf8');
const FILE = 'inventory.yaml';

/** The base inventory with `lines` written under vrrp, after the VIP, and another keepalived version. */
function inventory(lines: string[], version?: string): string {
  let text = BASE.replace(
    '  vip: 192.168.56.200/24\n',
    `  vip: 192.168.56.200/24\n${lines.map((line) => `  ${line}\n`).join('')}`,
  );
  if (version !== undefined) text = text.replace('version: "2.2.7"', `version: "${version}"`);
  return text;
}

describe('inventory: vrrp.preempt and vrrp.preempt_delay', () => {
  it('preempt at once when left out (VRRP’s default and the how-to’s)', () => {
    const { inventory: model, errors } = validateInventoryText(BASE, FILE, {});
    expect(errors).to.deep.equal([]);
    expect(model?.vrrp).to.include({ preempt: true, preempt_delay: 0 });
  });

  const accepted: { name: string; lines: string[]; version?: string; model: object }[] = [
    { name: 'preempt: false', lines: ['preempt: false'], model: { preempt: false, preempt_delay: 0 } },
    { name: 'preempt_delay: 30', lines: ['preempt_delay: 30'], model: { preempt: true, preempt_delay: 30 } },
    {
      name: 'preempt_delay: 1000, keepalived’s most',
      lines: ['preempt_delay: 1000'],
      model: { preempt_delay: 1000 },
    },
    {
      name: 'preempt: false with preempt_delay: 0',
      lines: ['preempt: false', 'preempt_delay: 0'],
      model: { preempt: false, preempt_delay: 0 },
    },
    {
      name: 'preempt: false with keepalived 1.2.0 (the how-to’s, which parses nopreempt)',
      lines: ['preempt: false'],
      version: '1.2.0',
      model: { preempt: false },
    },
    {
      name: 'preempt_delay with keepalived 1.1.8, the first with it',
      lines: ['preempt_delay: 5'],
      version: '1.1.8',
      model: { preempt_delay: 5 },
    },
  ];
  for (const c of accepted) {
    it(`accepts ${c.name}`, () => {
      const { inventory: model, errors } = validateInventoryText(inventory(c.lines, c.version), FILE, {});
      expect(errors.map(formatDiagnostic)).to.deep.equal([]);
      expect(model?.vrrp).to.include(c.model);
    });
  }

  const refused: {
    name: string;
    lines: string[];
    version?: string;
    path: string;
    /** Where the error points: the value written after this key. */
    at: string;
    says: string[];
    fix: string[];
  }[] = [
    {
      name: 'a delay with preempt: false, which keepalived drops',
      lines: ['preempt: false', 'preempt_delay: 30'],
      path: 'vrrp.preempt_delay',
      at: 'preempt_delay: ',
      says: ['is 30 with preempt: false', 'resets preempt_delay under nopreempt'],
      fix: ['remove preempt_delay', 'or set preempt: true'],
    },
    {
      name: 'preempt: false with keepalived 1.1.7, which has no nopreempt',
      lines: ['preempt: false'],
      version: '1.1.7',
      path: 'vrrp.preempt',
      at: 'preempt: ',
      says: ['keepalived 1.1.7 has no nopreempt (it came in 1.1.8)', 'take the VIP back at once'],
      fix: ['leave vrrp.preempt out', 'keepalived 1.1.8 or later'],
    },
    {
      name: 'preempt_delay with keepalived 1.1.7, which has none',
      lines: ['preempt_delay: 10'],
      version: '1.1.7',
      path: 'vrrp.preempt_delay',
      at: 'preempt_delay: ',
      says: ['keepalived 1.1.7 has no preempt_delay'],
      fix: ['leave vrrp.preempt_delay out', 'keepalived 1.1.8 or later'],
    },
    {
      name: 'a delay above 1000, which keepalived replaces with 0',
      lines: ['preempt_delay: 1001'],
      path: 'vrrp.preempt_delay',
      at: 'preempt_delay: ',
      says: ['must be a whole number from 0 to 1000'],
      fix: [],
    },
    {
      name: 'a fractional delay (1.2.x reads whole seconds)',
      lines: ['preempt_delay: 2.5'],
      path: 'vrrp.preempt_delay',
      at: 'preempt_delay: ',
      says: ['is 2.5; expected a whole number'],
      fix: [],
    },
    {
      name: 'preempt that is not true or false',
      lines: ['preempt: no-way'],
      path: 'vrrp.preempt',
      at: 'preempt: ',
      says: ['expected true or false'],
      fix: [],
    },
  ];
  for (const c of refused) {
    it(`refuses ${c.name} at ${c.path}, saying what would be right`, () => {
      const text = inventory(c.lines, c.version);
      const { inventory: model, errors } = validateInventoryText(text, FILE, {});
      const error = errorAt(errors, c.path);
      const key = positionOf(text, `  ${c.at}`);
      expect({ line: error.line, column: error.column }).to.deep.equal({
        line: key.line,
        column: key.column + 2 + c.at.length,
      });
      for (const part of c.says) expect(error.message).to.include(part);
      for (const part of c.fix) expect(error.hint).to.include(part);
      expect(formatDiagnostic(error)).to.match(
        new RegExp(`^inventory\\.yaml:${key.line}:\\d+: error: ${c.path.replace('.', '\\.')}: `),
      );
      expect(model).to.equal(undefined);
    });
  }

  it('refuses either key for keepalived 1.0.3, older still', () => {
    const text = inventory(['preempt: false'], '1.0.3');
    const refusedToo = inventory(['preempt_delay: 4'], '1.0.3');
    expect(errorAt(validateInventoryText(text, FILE, {}).errors, 'vrrp.preempt').message).to.include(
      'no nopreempt',
    );
    expect(
      errorAt(validateInventoryText(refusedToo, FILE, {}).errors, 'vrrp.preempt_delay').message,
    ).to.include('no preempt_delay');
  });

  it("points keepalived's nopreempt at vrrp.preempt: false", () => {
    const { errors } = validateInventoryText(inventory(['nopreempt: true']), FILE, {});
    expect(errorAt(errors, 'vrrp.nopreempt').hint).to.include('write preempt: false under vrrp');
  });
});
