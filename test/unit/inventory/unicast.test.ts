import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { formatDiagnostic, validateInventoryText } from '../../../src/inventory/index.js';
import { errorAt, positionOf } from './positions.js';

const BASE = readFileSync(new URL('../../fixtures/inventories/base.yaml', import.meta.url), 'utf8');
const FILE = 'inventory.yaml';

function inventory(options: { version?: string; unicast?: string; master?: string }): string {
  let text = BASE;
  if (options.unicast !== undefined) {
    text = text.replace(
      '  vip: 192.168.56.200/24\n',
      `  vip: 192.168.56.200/24\n  unicast: ${options.unicast}\n`,
    );
  }
  if (options.version !== undefined) text = text.replace('version: "2.2.7"', `version: "${options.version}"`);
  if (options.master !== undefined) text = text.replace('host: 192.168.56.10,', `host: ${options.master},`);
  return text;
}

describe('inventory: vrrp.unicast', () => {
  it('is false when left out (multicast, the how-to’s VRRP)', () => {
    const { inventory: model, errors } = validateInventoryText(BASE, FILE, {});
    expect(errors).to.deep.equal([]);
    expect(model?.vrrp.unicast).to.equal(false);
  });

  it('is accepted with keepalived 2.2.7 and reaches the model', () => {
    const { inventory: model, errors } = validateInventoryText(inventory({ unicast: 'true' }), FILE, {});
    expect(errors.map(formatDiagnostic)).to.deep.equal([]);
    expect(model?.vrrp.unicast).to.equal(true);
  });

  it('is accepted with keepalived 1.2.10, the first with unicast_src_ip', () => {
    const { errors } = validateInventoryText(inventory({ unicast: 'true', version: '1.2.10' }), FILE, {});
    expect(errors.map(formatDiagnostic)).to.deep.equal([]);
  });

  it('is refused with keepalived 1.2.0 at vrrp.unicast, naming the version and what would be right', () => {
    const text = inventory({ unicast: 'true', version: '1.2.0' });
    const { inventory: model, errors } = validateInventoryText(text, FILE, {});
    const error = errorAt(errors, 'vrrp.unicast');
    const key = positionOf(text, 'unicast: true');
    expect(error).to.include({ line: key.line, column: key.column + 'unicast: '.length });
    expect(error.message).to.include('keepalived 1.2.0').and.include('unicast_peer came in 1.2.8');
    expect(error.hint).to.include('keep multicast').and.include('keepalived 1.2.10 or later');
    expect(formatDiagnostic(error)).to.match(
      /^inventory\.yaml:\d+:\d+: error: vrrp\.unicast: keepalived 1\.2\.0 /,
    );
    expect(model).to.equal(undefined);
  });

  it('is refused with keepalived 1.2.9, which has unicast_peer but would skip unicast_src_ip', () => {
    const { errors } = validateInventoryText(inventory({ unicast: 'true', version: '1.2.9' }), FILE, {});
    expect(errorAt(errors, 'vrrp.unicast').message).to.include('unicast_src_ip in 1.2.10');
  });

  it('refuses a director host that is a name, at that host, saying it is the VRRP source address', () => {
    const text = inventory({ unicast: 'true', master: 'lb1.example.net' });
    const { errors } = validateInventoryText(text, FILE, {});
    const error = errorAt(errors, 'directors[0].host');
    expect({ line: error.line, column: error.column }).to.deep.equal(positionOf(text, 'lb1.example.net'));
    expect(error.message)
      .to.include('"lb1.example.net" is a name')
      .and.include('VRRP source address (unicast_src_ip)');
    expect(error.hint).to.include("the director's IPv4 address");
  });

  it('accepts a director host that is a name with multicast', () => {
    const { errors } = validateInventoryText(inventory({ master: 'lb1.example.net' }), FILE, {});
    expect(errors.map((d) => d.path)).not.to.include('directors[0].host');
  });

  it('reports the old version and a named director together', () => {
    const text = inventory({ unicast: 'true', version: '1.2.0', master: 'lb1.example.net' });
    const { errors } = validateInventoryText(text, FILE, {});
    expect(errors.map((d) => d.path)).to.include.members(['vrrp.unicast', 'directors[0].host']);
  });

  it('must be true or false', () => {
    const { errors } = validateInventoryText(inventory({ unicast: 'yes' }), FILE, {});
    expect(errorAt(errors, 'vrrp.unicast').message).to.include('expected true or false');
  });

  for (const key of ['unicast_peer', 'unicast_src_ip']) {
    it(`points keepalived's ${key} at vrrp.unicast`, () => {
      const text = BASE.replace(
        '  vip: 192.168.56.200/24\n',
        `  vip: 192.168.56.200/24\n  ${key}: 192.168.56.11\n`,
      );
      const { errors } = validateInventoryText(text, FILE, {});
      expect(errorAt(errors, `vrrp.${key}`).hint).to.include('write unicast: true under vrrp');
    });
  }
});
