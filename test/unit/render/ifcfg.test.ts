import { expect } from 'chai';
import { renderIfcfgAlias } from '../../../src/render/ifcfg.js';
import { expectGolden } from './golden.js';
import { run, writeExecutable } from './shell-run.js';

describe('renderIfcfgAlias', () => {
  const ifcfg = renderIfcfgAlias('eth0', { address: '10.8.80.200', prefix_length: 24 });

  it('matches the golden file', () => expectGolden('ifcfg-eth0-alias.ifcfg', ifcfg));

  it('never brings the VIP up by itself, at boot or with its parent (defect 11)', () => {
    const path = writeExecutable('ifcfg-eth0:0', ifcfg);
    const result = run('sh', ['-c', `. ${path}; echo "$DEVICE $IPADDR/$PREFIX $NETMASK $ONBOOT $ONPARENT"`]);
    expect(result.stdout).to.equal('eth0:0 10.8.80.200/24 255.255.255.0 no no\n');
  });

  for (const [prefixLength, netmask] of [
    [32, '255.255.255.255'],
    [23, '255.255.254.0'],
    [8, '255.0.0.0'],
    [0, '0.0.0.0'],
  ] as const) {
    it(`writes NETMASK=${netmask} for /${prefixLength}`, () => {
      expect(renderIfcfgAlias('eth0', { address: '10.0.0.1', prefix_length: prefixLength })).to.include(
        `\nNETMASK=${netmask}\n`,
      );
    });
  }
});
