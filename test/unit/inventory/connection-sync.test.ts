import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { formatDiagnostic, validateInventoryText } from '../../../src/inventory/index.js';
import { errorAt, positionOf } from './positions.js';

const BASE = readFileSync(new URL('../../fixtures/inventories/base.yaml', import.meta.url), 'utf8');
const FILE = 'inventory.yaml';

function inventory(opts: { sync?: boolean; vrrpOnly: boolean }): string {
  let text = BASE.replace('allow_vrrp_only: false', `allow_vrrp_only: ${opts.vrrpOnly}`);
  if (opts.sync !== undefined) {
    text = text.replace('  delay_loop: 6\n', `  delay_loop: 6\n  connection_sync: ${opts.sync}\n`);
  }
  return text;
}

describe('inventory: service.connection_sync', () => {
  const cases: { name: string; sync?: boolean; vrrpOnly: boolean; model: boolean }[] = [
    { name: 'on by default where every director must have IPVS', vrrpOnly: false, model: true },
    { name: 'off by default with allow_vrrp_only (no IPVS, nothing to sync)', vrrpOnly: true, model: false },
    { name: 'off when the inventory says so', sync: false, vrrpOnly: false, model: false },
    { name: 'off when asked with allow_vrrp_only', sync: false, vrrpOnly: true, model: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { inventory: model, errors } = validateInventoryText(inventory(c), FILE, {});
      expect(errors.map(formatDiagnostic)).to.deep.equal([]);
      expect(model?.service.connection_sync).to.equal(c.model);
    });
  }

  it('refuses connection_sync: true with allow_vrrp_only, at the key, saying keepalived 2.x would exit', () => {
    const text = inventory({ sync: true, vrrpOnly: true });
    const { errors } = validateInventoryText(text, FILE, {});
    const error = errorAt(errors, 'service.connection_sync');
    const key = positionOf(text, '  connection_sync: ');
    expect({ line: error.line, column: error.column }).to.deep.equal({
      line: key.line,
      column: key.column + '  connection_sync: '.length,
    });
    expect(error.message).to.include('keepalived 2.x exits');
    expect(error.hint).to.include('allow_vrrp_only: false');
  });
});
