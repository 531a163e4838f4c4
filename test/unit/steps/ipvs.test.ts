import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ipvsModule, unloadIpvsScript } from '../../../src/steps/ipvs.js';
import { describeCases, onlyAction, type StepCase } from './support.js';

const unloadUndo = {
  kind: 'shell',
  resource: 'module:ip_vs',
  description: 'unload the ip_vs kernel module lbprov loaded',
  script: unloadIpvsScript(),
} as const;
const loadUndo = {
  kind: 'remove_file',
  resource: 'file:/etc/modules-load.d/lbprov-ipvs.conf',
  path: '/etc/modules-load.d/lbprov-ipvs.conf',
} as const;
const KERNEL = '4.19.0-lab';

const cases: StepCase[] = [];
for (const allow of [false, true]) {
  cases.push(
    {
      name: `present, allow_vrrp_only ${allow}: ok`,
      args: { allow_vrrp_only: allow },
      facts: [],
      host: { ipvs: 'present' },
      expect: { status: 'ok', reason: 'the kernel has IPVS' },
    },
    {
      name: `loadable, allow_vrrp_only ${allow}: load ip_vs now and at boot; undo removes the boot file and unloads it`,
      args: { allow_vrrp_only: allow },
      facts: [],
      host: { ipvs: 'loadable' },
      expect: {
        status: 'change',
        description: 'load the ip_vs kernel module now and at boot',
        actions: ['shell'],
        undo: [unloadUndo, loadUndo],
        more(change) {
          const { script } = onlyAction(change, 'shell');
          expect(script).to.match(/^modprobe ip_vs && /);
          expect(script).to.include("printf 'ip_vs\\n' > /etc/modules-load.d/lbprov-ipvs.conf");
        },
      },
    },
  );
}
cases.push(
  {
    name: 'absent, allow_vrrp_only: ok, loudly VRRP-only, naming the kernel',
    args: { allow_vrrp_only: true },
    facts: [],
    host: { ipvs: 'absent', kernel: KERNEL },
    expect: { status: 'ok', reason: `VRRP-ONLY MODE: kernel ${KERNEL} has no IPVS` },
  },
  {
    name: 'absent, VRRP-only not allowed: fail, with both ways out in the hint',
    args: { allow_vrrp_only: false },
    facts: [],
    host: { ipvs: 'absent', kernel: KERNEL },
    expect: {
      status: 'fail',
      reason: `kernel ${KERNEL} has no IPVS`,
      hint: 'allow_vrrp_only: true',
    },
  },
  {
    name: 'allow_vrrp_only as the text "true" is refused',
    args: { allow_vrrp_only: 'true' },
    rejects: 'allow_vrrp_only',
  },
  { name: 'allow_vrrp_only missing is refused', args: {}, rejects: 'allow_vrrp_only' },
);

describe('steps: ipvs', () => {
  describeCases(ipvsModule, cases);
});

describe('steps: ipvs: the unload undo, run with sh (stand-in /proc and modprobe)', () => {
  const HEADER = [
    'IP Virtual Server version 1.2.1 (size=4096)',
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port Forward Weight ActiveConn InActConn',
  ];
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lbprov-ipvs-'));
    mkdirSync(join(dir, 'proc', 'net'), { recursive: true });
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'modprobe'), `#!/bin/sh\necho "$*" >> ${join(dir, 'calls')}\n`);
    chmodSync(join(dir, 'bin', 'modprobe'), 0o755);
    writeFileSync(
      join(dir, 'proc', 'modules'),
      'ip_vs_rr 12288 1 - Live 0x0\nip_vs 200704 3 ip_vs_rr, Live 0x0\nnf_conntrack 1 - Live 0x0\n',
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const unload = () => {
    spawnSync('sh', ['-c', unloadIpvsScript(join(dir, 'proc'))], {
      env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}` },
    });
    try {
      return readFileSync(join(dir, 'calls'), 'utf8');
    } catch {
      return '';
    }
  };

  it('unloads the schedulers and ip_vs once the table is empty', () => {
    writeFileSync(join(dir, 'proc', 'net', 'ip_vs'), `${HEADER.join('\n')}\n`);
    expect(unload()).to.equal('-r ip_vs_rr ip_vs\n');
  });

  it('leaves it loaded while the table still lists a service (not lbprov’s)', () => {
    writeFileSync(join(dir, 'proc', 'net', 'ip_vs'), `${[...HEADER, 'TCP  0A000001:0050 rr'].join('\n')}\n`);
    expect(unload()).to.equal('');
  });

  it('does nothing where ip_vs is no longer loaded', () => {
    expect(unload()).to.equal('');
  });
});
