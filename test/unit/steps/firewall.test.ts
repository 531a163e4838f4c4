import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNftRuleset, type FirewallState } from '../../../src/facts/firewall.js';
import { firewallModule } from '../../../src/steps/firewall.js';
import type { Change } from '../../../src/steps/types.js';
import { SSH_ONLY_RULESET } from '../facts/firewall.test.js';
import { describeCases, hostContext, type StepCase } from './support.js';

const nft = (text: string): FirewallState => ({
  tool: 'nft',
  readable: true,
  chains: parseNftRuleset(text.split('\n')),
});
const withRule = (rule: string) =>
  nft(
    SSH_ONLY_RULESET.replace(
      '\t\ttcp dport 22 accept # handle 5',
      `\t\t${rule} # handle 9\n\t\ttcp dport 22 accept # handle 5`,
    ),
  );
const iptables = (policy: string, ...rules: string[]): FirewallState => ({
  tool: 'iptables',
  readable: true,
  policy,
  rules,
});

const NFT_UNDO_RECORD = {
  kind: 'shell' as const,
  resource: 'firewall:nftables:vrrp',
  description: "remove lbprov's VRRP rule (comment lbprov-vrrp) from the nftables ruleset",
};

const cases: StepCase[] = [
  {
    name: 'neither nft nor iptables: ok, nothing to do',
    args: {},
    facts: [{ tool: 'none' }],
    expect: { status: 'ok', reason: 'no nftables or iptables on this host' },
  },
  {
    name: 'nft present, no ruleset loaded: VRRP passes',
    args: {},
    facts: [nft('')],
    expect: { status: 'ok', reason: 'no input chain' },
  },
  {
    name: "an input chain that drops nothing (Debian's stock /etc/nftables.conf): VRRP passes",
    args: {},
    facts: [nft('table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter;\n\t}\n}')],
    expect: { status: 'ok', reason: 'inet filter input drop nothing' },
  },
  {
    name: 'an input chain with policy drop: insert the accept rule at its top, live; undo removes it by its comment',
    args: {},
    facts: [nft(SSH_ONLY_RULESET)],
    expect: {
      status: 'change',
      description: [
        'insert `ip protocol 112 accept comment "lbprov-vrrp"`',
        'inet filter input',
        'live only',
      ],
      actions: ['shell'],
      undo: [{ ...NFT_UNDO_RECORD, script: undoScript() }],
      more: (change: Change) =>
        expect(change.actions[0]).to.include({
          script: `nft 'insert rule inet filter input ip protocol 112 accept comment "lbprov-vrrp"'`,
        }),
    },
  },
  {
    name: "lbprov's rule already there: ok (a re-apply changes nothing)",
    args: {},
    facts: [withRule('ip protocol vrrp accept comment "lbprov-vrrp"')],
    expect: { status: 'ok', reason: 'VRRP accepted in nftables chain(s) inet filter input' },
  },
  {
    name: "the operator's own VRRP rule: ok, nothing added",
    args: {},
    facts: [withRule('meta l4proto vrrp accept')],
    expect: { status: 'ok', reason: 'VRRP accepted' },
  },
  {
    name: 'a chain that jumps to one that drops, in a second table too: each input chain gets the rule',
    args: {},
    facts: [
      nft(
        `${SSH_ONLY_RULESET}\ntable ip guard {\n\tchain in {\n\t\ttype filter hook input priority 10; policy accept;\n\t\tjump deny\n\t}\n\tchain deny {\n\t\tip saddr 10.0.0.0/8 reject\n\t}\n}`,
      ),
    ],
    expect: {
      status: 'change',
      description: 'inet filter input, ip guard in',
      actions: ['shell', 'shell'],
      undo: [{ ...NFT_UNDO_RECORD, script: undoScript() }],
    },
  },
  {
    name: 'firewalld owns the ruleset: skipped, with the command to run',
    args: {},
    facts: [
      nft(
        'table inet firewalld {\n\tchain filter_INPUT {\n\t\ttype filter hook input priority filter + 10; policy accept;\n\t\treject with icmpx admin-prohibited\n\t}\n}',
      ),
    ],
    expect: { status: 'skip', reason: 'firewall-cmd --permanent --add-rich-rule=' },
  },
  {
    name: 'a chain name lbprov does not write into a command: fail, with what to run',
    args: {},
    facts: [
      nft(
        'table inet filter {\n\tchain "in-put" {\n\t\ttype filter hook input priority 0; policy drop;\n\t}\n}',
      ),
    ],
    expect: { status: 'fail', reason: 'inet filter "in-put"', hint: 'nft insert rule' },
  },
  {
    name: 'nft cannot list the ruleset: skipped (cannot tell), verify will say',
    args: {},
    facts: [{ tool: 'nft', readable: false, output: 'Operation not permitted', code: 1 }],
    expect: { status: 'skip', reason: 'cannot tell whether the firewall lets VRRP in' },
  },
  {
    name: 'iptables, policy ACCEPT and no rules: VRRP passes',
    args: {},
    facts: [iptables('ACCEPT')],
    expect: { status: 'ok', reason: 'drops nothing' },
  },
  {
    name: 'iptables with policy DROP: insert the rule; undo deletes every copy',
    args: {},
    facts: [iptables('DROP', '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT')],
    expect: {
      status: 'change',
      description: ["iptables' INPUT chain", 'policy DROP'],
      actions: ['shell'],
      undo: [
        {
          kind: 'shell',
          resource: 'firewall:iptables:vrrp',
          description: "remove lbprov's VRRP rule (comment lbprov-vrrp) from iptables' INPUT chain",
          script:
            'while iptables -C INPUT -p 112 -m comment --comment lbprov-vrrp -j ACCEPT 2>/dev/null; do iptables -D INPUT -p 112 -m comment --comment lbprov-vrrp -j ACCEPT || exit 1; done',
        },
      ],
      more: (change: Change) =>
        expect(change.actions[0]).to.include({
          script: 'iptables -I INPUT 1 -p 112 -m comment --comment lbprov-vrrp -j ACCEPT',
        }),
    },
  },
  {
    name: 'iptables, policy ACCEPT but a REJECT rule: the rule goes in',
    args: {},
    facts: [iptables('ACCEPT', '-A INPUT -j REJECT --reject-with icmp-host-prohibited')],
    expect: {
      status: 'change',
      description: "iptables' INPUT chain",
      actions: ['shell'],
      undo: [
        {
          kind: 'shell',
          resource: 'firewall:iptables:vrrp',
          description: "remove lbprov's VRRP rule (comment lbprov-vrrp) from iptables' INPUT chain",
          script:
            'while iptables -C INPUT -p 112 -m comment --comment lbprov-vrrp -j ACCEPT 2>/dev/null; do iptables -D INPUT -p 112 -m comment --comment lbprov-vrrp -j ACCEPT || exit 1; done',
        },
      ],
    },
  },
  {
    name: "iptables with lbprov's rule (as iptables lists it): ok",
    args: {},
    facts: [iptables('DROP', '-A INPUT -p vrrp -m comment --comment lbprov-vrrp -j ACCEPT')],
    expect: { status: 'ok', reason: "VRRP accepted in iptables' INPUT chain" },
  },
  {
    name: 'firewalld on iptables: skipped, with the command to run',
    args: {},
    facts: [iptables('ACCEPT', '-A INPUT -j INPUT_direct', '-A INPUT -j INPUT_ZONES')],
    expect: { status: 'skip', reason: 'firewalld owns' },
  },
  { name: 'takes no arguments', args: { chain: 'input' }, rejects: 'firewall' },
];

/** The undo script of the change lbprov plans for the SSH-only ruleset. */
function undoScript(): string {
  const result = firewallModule.check({}, new Map([['firewall', nft(SSH_ONLY_RULESET)]]), hostContext());
  const [undo] = result.status === 'change' ? result.change.undo : [];
  return undo?.kind === 'shell' ? undo.script : '';
}

describe('steps: firewall', () => {
  describeCases(firewallModule, cases);

  it("the nftables undo, run with sh, deletes lbprov's rules by handle wherever they are, and only them", () => {
    const dir = mkdtempSync(join(tmpdir(), 'lbprov-fw-'));
    try {
      const ruleset = SSH_ONLY_RULESET.replace(
        '\t\ttcp dport 22 accept # handle 5',
        '\t\tip protocol vrrp accept comment "lbprov-vrrp" # handle 9\n\t\ttcp dport 22 accept # handle 5\n\t\tip protocol vrrp accept # handle 11',
      ).replace(
        '\t\ttype nat hook prerouting priority dstnat; policy accept;',
        '\t\ttype nat hook prerouting priority dstnat; policy accept;\n\t\tip protocol vrrp accept comment "lbprov-vrrp" # handle 12',
      );
      writeFileSync(join(dir, 'ruleset'), `${ruleset}\n`);
      writeFileSync(
        join(dir, 'nft'),
        `#!/bin/sh\nif [ "$1" = -a ]; then cat ${dir}/ruleset; else echo "$@" >> ${dir}/deleted; fi\n`,
      );
      chmodSync(join(dir, 'nft'), 0o755);
      execFileSync('sh', ['-c', undoScript()], { env: { PATH: `${dir}:/usr/bin:/bin` } });
      expect(readFileSync(join(dir, 'deleted'), 'utf8')).to.equal(
        'delete rule inet filter input handle 9\ndelete rule ip nat prerouting handle 12\n',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
