import { expect } from 'chai';
import { ipvsModule } from '../../../src/steps/ipvs.js';
import { describeCases, onlyAction, type StepCase } from './support.js';

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
      name: `loadable, allow_vrrp_only ${allow}: load ip_vs now and at boot; undo removes the boot file`,
      args: { allow_vrrp_only: allow },
      facts: [],
      host: { ipvs: 'loadable' },
      expect: {
        status: 'change',
        description: 'load the ip_vs kernel module now and at boot',
        actions: ['shell'],
        undo: [loadUndo],
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
