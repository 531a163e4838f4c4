import { expect } from 'chai';
import type { Director, Inventory } from '../../../src/model/inventory.js';
import {
  hasConfigTest,
  keepalivedSyntaxFor,
  renderKeepalivedConf,
  type KeepalivedSyntax,
} from '../../../src/render/keepalived-conf.js';
import { director, seedInventory } from './fixtures.js';
import { expectGolden } from './golden.js';

const authPass = '1111';

function render(state: 'MASTER' | 'BACKUP', syntax: KeepalivedSyntax): string {
  return renderKeepalivedConf(seedInventory, director(state), { authPass, syntax });
}

/** The lines keepalived parses: comments and blank lines dropped. */
function configLines(conf: string): string[] {
  return conf
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('!'));
}

describe('renderKeepalivedConf', () => {
  for (const syntax of ['1.2', '2'] as const) {
    for (const state of ['MASTER', 'BACKUP'] as const) {
      it(`matches the golden file for ${state}, keepalived ${syntax} syntax`, () => {
        expectGolden(`keepalived-${state.toLowerCase()}-${syntax}.conf`, render(state, syntax));
      });
    }
  }

  it('writes neither nb_get_retry nor nat_mask in 2.x syntax (2.x -t rejects both)', () => {
    const conf = render('MASTER', '2');
    expect(conf).not.to.match(/nb_get_retry|nat_mask/);
    expect(configLines(conf)).to.include.members(['retry 3', 'delay_before_retry 3']);
  });

  it('writes no retry keyword in 1.2 syntax, whose TCP_CHECK would silently ignore it', () => {
    const lines = configLines(render('MASTER', '1.2'));
    expect(lines.filter((line) => /retry|nat_mask/.test(line))).to.deep.equal([]);
    expect(lines).to.include.members(['connect_port 6379', 'connect_timeout 3']);
  });

  it('puts the VIP in virtual_ipaddress (with prefix, device and label) and virtual_server only', () => {
    const vipLines = configLines(render('BACKUP', '2')).filter((line) => line.includes('10.8.80.200'));
    expect(vipLines).to.deep.equal([
      '10.8.80.200/24 dev eth0 label eth0:0',
      'virtual_server 10.8.80.200 6379 {',
    ]);
  });

  it('balances over the Redis hosts, never the directors (defects 7, 8)', () => {
    const realServers = configLines(render('MASTER', '2')).filter((line) => line.startsWith('real_server'));
    expect(realServers).to.deep.equal(['real_server 10.8.80.221 6379 {', 'real_server 10.8.80.222 6379 {']);
  });

  it('keeps every health-check keyword inside TCP_CHECK (defect 6)', () => {
    const lines = configLines(render('MASTER', '2'));
    const checkStart = lines.indexOf('TCP_CHECK {');
    expect(lines.slice(checkStart - 2, checkStart + 6)).to.deep.equal([
      'real_server 10.8.80.221 6379 {',
      'weight 1',
      'TCP_CHECK {',
      'connect_port 6379',
      'connect_timeout 3',
      'retry 3',
      'delay_before_retry 3',
      '}',
    ]);
  });

  it('names the director in router_id and uses its own state, priority and interface', () => {
    const backup = { ...director('BACKUP'), interface: 'ens3' };
    const lines = configLines(renderKeepalivedConf(seedInventory, backup, { authPass, syntax: '2' }));
    expect(lines).to.include.members([
      'router_id lb-backup',
      'state BACKUP',
      'priority 10',
      'interface ens3',
      '10.8.80.200/24 dev ens3 label ens3:0',
    ]);
  });

  it('leaves out the label when <interface>:0 would exceed the kernel limit of 15 characters', () => {
    const longName = { ...director('MASTER'), interface: 'enp0s31f6abcdef' };
    const lines = configLines(renderKeepalivedConf(seedInventory, longName, { authPass, syntax: '2' }));
    expect(lines).to.include('10.8.80.200/24 dev enp0s31f6abcdef');
  });

  for (const bad of ['', 'two words', 'pa#ss', 'pa"ss', 'a!b']) {
    it(`refuses an auth_pass keepalived would misread: ${JSON.stringify(bad)}`, () => {
      expect(() =>
        renderKeepalivedConf(seedInventory, director('MASTER'), { authPass: bad, syntax: '2' }),
      ).to.throw(/auth_pass/);
    });
  }
});

describe('renderKeepalivedConf with vrrp.unicast', () => {
  const unicast: Inventory = { ...seedInventory, vrrp: { ...seedInventory.vrrp, unicast: true } };
  const third: Director = { ...director('BACKUP'), host: '10.8.80.216', name: 'lb-third', priority: 5 };
  const threeDirectors: Inventory = { ...unicast, directors: [...unicast.directors, third] };

  /** The vrrp_instance block as written, indentation included. */
  function vrrpInstance(inv: Inventory, self: Director): string[] {
    const lines = renderKeepalivedConf(inv, self, { authPass, syntax: '2' }).split('\n');
    const start = lines.indexOf('vrrp_instance VI_1 {');
    return lines.slice(start, lines.indexOf('}', start) + 1);
  }

  it('writes unicast_src_ip and unicast_peer right after advert_int, indented as the block', () => {
    const block = vrrpInstance(unicast, director('MASTER'));
    const advertInt = block.indexOf('    advert_int 1');
    expect(block.slice(advertInt, advertInt + 6)).to.deep.equal([
      '    advert_int 1',
      '    unicast_src_ip 10.8.80.218',
      '    unicast_peer {',
      '        10.8.80.217',
      '    }',
      '    authentication {',
    ]);
  });

  it('gives the BACKUP the MASTER as its only peer', () => {
    const lines = configLines(renderKeepalivedConf(unicast, director('BACKUP'), { authPass, syntax: '1.2' }));
    const peers = lines.indexOf('unicast_peer {');
    expect(lines).to.include('unicast_src_ip 10.8.80.217');
    expect(lines.slice(peers, peers + 3)).to.deep.equal(['unicast_peer {', '10.8.80.218', '}']);
  });

  for (const self of threeDirectors.directors) {
    it(`lists every other director as a peer, one per line, for ${self.name} of three`, () => {
      const block = vrrpInstance(threeDirectors, self);
      const peers = block.indexOf('    unicast_peer {');
      const others = threeDirectors.directors.filter((d) => d !== self).map((d) => `        ${d.host}`);
      expect(block).to.include(`    unicast_src_ip ${self.host}`);
      expect(block.slice(peers, peers + 4)).to.deep.equal(['    unicast_peer {', ...others, '    }']);
    });
  }

  it('leaves out the director itself when handed a copy (the BACKUP standing in at a raised priority)', () => {
    const standIn = { ...director('BACKUP'), priority: 102 };
    const block = vrrpInstance(unicast, standIn);
    const peers = block.indexOf('    unicast_peer {');
    expect(block.slice(peers, peers + 3)).to.deep.equal([
      '    unicast_peer {',
      '        10.8.80.218',
      '    }',
    ]);
  });

  it('writes no unicast keyword when vrrp.unicast is false (multicast, as the how-to)', () => {
    for (const state of ['MASTER', 'BACKUP'] as const) {
      expect(render(state, '2')).not.to.match(/unicast/);
    }
  });
});

describe('renderKeepalivedConf with a preemption policy', () => {
  const noPreempt: Inventory = { ...seedInventory, vrrp: { ...seedInventory.vrrp, preempt: false } };
  const delayed: Inventory = { ...seedInventory, vrrp: { ...seedInventory.vrrp, preempt_delay: 30 } };

  for (const syntax of ['1.2', '2'] as const) {
    it(`matches the golden file for the MASTER with preempt: false, keepalived ${syntax} syntax`, () => {
      expectGolden(
        `keepalived-master-${syntax}-nopreempt.conf`,
        renderKeepalivedConf(noPreempt, director('MASTER'), { authPass, syntax }),
      );
    });
    it(`matches the golden file for the MASTER with preempt_delay: 30, keepalived ${syntax} syntax`, () => {
      expectGolden(
        `keepalived-master-${syntax}-preempt-delay.conf`,
        renderKeepalivedConf(delayed, director('MASTER'), { authPass, syntax }),
      );
    });
  }

  const policies: [string, Inventory, string][] = [
    ['preempt: false', noPreempt, 'nopreempt'],
    ['preempt_delay: 30', delayed, 'preempt_delay 30'],
  ];
  for (const [name, inv, keyword] of policies) {
    for (const state of ['MASTER', 'BACKUP'] as const) {
      it(`starts the ${state} as BACKUP with ${keyword} and its own priority (${name})`, () => {
        const self = director(state);
        const lines = configLines(renderKeepalivedConf(inv, self, { authPass, syntax: '1.2' }));
        expect(lines.filter((line) => /^state |preempt/.test(line))).to.deep.equal(['state BACKUP', keyword]);
        expect(lines).to.include(`priority ${self.priority}`);
      });
    }
  }

  it("says in a comment that the MASTER is the inventory's preferred director", () => {
    const conf = renderKeepalivedConf(noPreempt, director('MASTER'), { authPass, syntax: '2' });
    expect(conf).to.include(
      '    # MASTER in the inventory (priority 101); BACKUP here because nopreempt needs it.\n    state BACKUP\n    nopreempt\n',
    );
  });

  it('writes no preemption keyword and keeps each state with preemption at once (the default)', () => {
    for (const state of ['MASTER', 'BACKUP'] as const) {
      const lines = configLines(render(state, '2'));
      expect(lines.filter((line) => /^state |preempt/.test(line))).to.deep.equal([`state ${state}`]);
    }
  });
});

describe('keepalivedSyntaxFor', () => {
  const cases: [string, KeepalivedSyntax][] = [
    ['1.2.0', '1.2'],
    ['1.2.19', '1.2'],
    ['1.2.20', '2'],
    ['1.3.5', '2'],
    ['2.0.4', '2'],
    ['2.2.7', '2'],
  ];
  for (const [version, syntax] of cases) {
    it(`${version} -> ${syntax}`, () => expect(keepalivedSyntaxFor(version)).to.equal(syntax));
  }

  it('refuses a version that is not a dotted release number', () => {
    expect(() => keepalivedSyntaxFor('latest')).to.throw(/not a dotted release number/);
  });
});

describe('hasConfigTest', () => {
  const cases: [string, boolean][] = [
    ['1.2.0', false],
    ['2.0.3', false],
    ['2.0.4', true],
    ['2.2.7', true],
  ];
  for (const [version, expected] of cases) {
    it(`${version} -> ${expected}`, () => expect(hasConfigTest(version)).to.equal(expected));
  }
});
