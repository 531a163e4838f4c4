import { expect } from 'chai';
import type { RunJob, StandIn } from '../../../src/engine/run.js';
import { loadInventory } from '../../../src/inventory/load.js';
import type { Inventory } from '../../../src/model/inventory.js';
import { vrrpStandIn } from '../../../src/procedure/stand-in.js';
import type { ExecResult, HeldProcess, Transport } from '../../../src/transport/types.js';
import { tempLabInventory } from '../../support/temp-dir.js';

const AUTH_PASS = 'vrrp-pw';
const VIP = '192.168.56.200';

/**
 * Two directors as keepalived would behave for the stand-in: a reload of the BACKUP with a priority
 * above the MASTER's moves the VIP to it; its own configuration back, the VIP returns to the
 * MASTER once the MASTER runs again, unless that configuration says nopreempt (as the MASTER's then does).
 */
class Pair {
  holder: 'lb1' | 'lb2' | 'none' = 'lb1';
  masterRunning = true;
  readonly log: string[] = [];
  readonly lb1 = this.director('lb1');
  readonly lb2 = this.director('lb2');
  private lb2Conf = '';
  /** Every keepalived.conf uploaded to lb2, in order. */
  readonly lb2Confs: string[] = [];

  private director(name: 'lb1' | 'lb2'): Transport {
    return {
      exec: async (script: string): Promise<ExecResult> => {
        if (script === 'ip -o -4 addr show') {
          const line = `2: eth0    inet ${VIP}/24 scope global secondary eth0:0\\       valid_lft forever`;
          return { code: 0, stdout: this.holder === name ? `${line}\n` : '', stderr: '' };
        }
        if (script.includes('kill -HUP')) {
          const raised = /priority 102\n/.test(this.lb2Conf);
          this.log.push(`${name}: reload (priority ${raised ? 102 : 100})`);
          if (raised) this.holder = 'lb2';
          else if (this.masterRunning && !/\n {4}nopreempt\n/.test(this.lb2Conf)) this.holder = 'lb1';
          return { code: 0, stdout: '', stderr: '' };
        }
        return { code: 0, stdout: '', stderr: '' };
      },
      upload: async (_path: string, content: Buffer | string): Promise<void> => {
        if (name === 'lb2') {
          this.lb2Conf = content.toString();
          this.lb2Confs.push(this.lb2Conf);
        }
        this.log.push(`${name}: upload`);
      },
      hold: async (): Promise<HeldProcess> => {
        throw new Error('the stand-in takes no lock itself: the engine does');
      },
      close: async () => undefined,
    } as unknown as Transport;
  }

  lastLb2Conf(): string {
    return this.lb2Conf;
  }
}

async function labInventory(): Promise<Inventory> {
  const loaded = await loadInventory(
    tempLabInventory(),
    { LBPROV_AUTH_PASS: AUTH_PASS },
    {
      connecting: false,
    },
  );
  if (!loaded.inventory) throw new Error(JSON.stringify(loaded.errors));
  return loaded.inventory;
}

const job = (name: string) => ({ name }) as RunJob;

async function around(standIn: StandIn, pair: Pair, restart: () => void) {
  const notes: string[] = [];
  const warnings: string[] = [];
  await standIn.around(
    { self: pair.lb1, peer: pair.lb2 },
    async () => {
      pair.log.push(`lb1: restart while the VIP is on ${pair.holder}`);
      restart();
    },
    { note: (message) => notes.push(message), warn: (message) => warnings.push(message) },
  );
  return { notes, warnings };
}

describe('procedure: the BACKUP stands in while keepalived restarts on the MASTER', () => {
  it('only for the MASTER, and only for a restart (a reload keeps the VIP)', async () => {
    const standInFor = vrrpStandIn(await labInventory(), AUTH_PASS);
    expect(standInFor(job('lb1'), 'restart-keepalived')?.peer).to.equal('lb2');
    expect(standInFor(job('lb1'), 'reload-keepalived')).to.equal(undefined);
    expect(standInFor(job('lb2'), 'restart-keepalived')).to.equal(undefined);
    expect(standInFor(job('rs1'), 'restart-keepalived')).to.equal(undefined);
  });

  it('raises the BACKUP, restarts the MASTER while the BACKUP holds the VIP, puts the BACKUP back, and the VIP comes home', async () => {
    const inventory = await labInventory();
    const standIn = vrrpStandIn(inventory, AUTH_PASS)(job('lb1'), 'restart-keepalived')!;
    const pair = new Pair();
    const { notes, warnings } = await around(standIn, pair, () => undefined);
    expect(warnings).to.deep.equal([]);
    expect(pair.log).to.deep.equal([
      'lb2: upload',
      'lb2: reload (priority 102)',
      'lb1: restart while the VIP is on lb2',
      'lb2: upload',
      'lb2: reload (priority 100)',
    ]);
    expect(pair.holder).to.equal('lb1');
    expect(notes).to.have.length(2);
    expect(notes[0]).to.match(/^lb2 took the VIP in \d+\.\d s while keepalived restarts here$/);
    expect(notes[1]).to.match(/^took the VIP back from lb2 in \d+\.\d s$/);
    // What stays on lb2 is its own configuration, as apply wrote it.
    expect(pair.lastLb2Conf()).to.match(/\n {4}priority 100\n/);
    expect(pair.lastLb2Conf()).not.to.include('lbprov: priority raised');
    expect(pair.lastLb2Conf()).to.include(`auth_pass ${AUTH_PASS}`);
  });

  it('a VIP that is not on the MASTER alone is not handed over: the restart costs nothing there', async () => {
    const standIn = vrrpStandIn(await labInventory(), AUTH_PASS)(job('lb1'), 'restart-keepalived')!;
    const pair = new Pair();
    pair.holder = 'lb2';
    const { notes, warnings } = await around(standIn, pair, () => undefined);
    expect(pair.log).to.deep.equal(['lb1: restart while the VIP is on lb2']);
    expect([...notes, ...warnings]).to.deep.equal([]);
  });

  it('a MASTER at priority 254 cannot be outranked: it says so, and restarts without a stand-in', async () => {
    const inventory = await labInventory();
    const raisedMaster: Inventory = {
      ...inventory,
      directors: inventory.directors.map((director) =>
        director.state === 'MASTER' ? { ...director, priority: 254 } : director,
      ),
    };
    const standIn = vrrpStandIn(raisedMaster, AUTH_PASS)(job('lb1'), 'restart-keepalived')!;
    const pair = new Pair();
    const { warnings } = await around(standIn, pair, () => undefined);
    expect(pair.log).to.deep.equal(['lb1: restart while the VIP is on lb1']);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.include('lb2 cannot outrank lb1 (priority 254)');
  });

  it('with vrrp.preempt: false the stand-in still preempts at once, and the VIP then stays on it', async () => {
    const inventory = await labInventory();
    const noPreempt: Inventory = { ...inventory, vrrp: { ...inventory.vrrp, preempt: false } };
    const standIn = vrrpStandIn(noPreempt, AUTH_PASS)(job('lb1'), 'restart-keepalived')!;
    const pair = new Pair();
    const { notes, warnings } = await around(standIn, pair, () => undefined);
    expect(warnings).to.deep.equal([]);
    const [standInConf, ownConf] = pair.lb2Confs;
    expect(standInConf)
      .to.match(/\n {4}state BACKUP\n/)
      .and.not.to.match(/preempt/);
    expect(ownConf).to.match(/\n {4}state BACKUP\n {4}nopreempt\n/);
    expect(pair.holder).to.equal('lb2');
    expect(notes[1]).to.equal('the VIP stays on lb2: with vrrp.preempt: false lb1 does not take it back');
  });

  it('with vrrp.preempt_delay the stand-in preempts at once; its own delay comes back with its configuration', async () => {
    const inventory = await labInventory();
    const delayed: Inventory = { ...inventory, vrrp: { ...inventory.vrrp, preempt_delay: 30 } };
    const standIn = vrrpStandIn(delayed, AUTH_PASS)(job('lb1'), 'restart-keepalived')!;
    const pair = new Pair();
    const { notes, warnings } = await around(standIn, pair, () => undefined);
    expect(warnings).to.deep.equal([]);
    const [standInConf, ownConf] = pair.lb2Confs;
    expect(standInConf).not.to.match(/preempt/);
    expect(ownConf).to.match(/\n {4}preempt_delay 30\n/);
    expect(notes[1]).to.match(/^took the VIP back from lb2 in \d+\.\d s$/);
  });
});
