import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** The rules the playbook asks for: connection sync off, and on. */
const VRRP = { rules: ['vrrp'] };
const SYNC = { rules: ['vrrp', 'ipvs-sync'] };

/** lbprov's two rules as `iptables -S INPUT` lists them (nf_tables 1.8.9). */
const IPTABLES_BOTH = [
  '-A INPUT -p vrrp -m comment --comment lbprov-vrrp -j ACCEPT',
  '-A INPUT -d 224.0.0.81/32 -p udp -m udp --dport 8848 -m comment --comment lbprov-ipvs-sync -j ACCEPT',
];

const NFT_UNDO_RECORD = {
  kind: 'shell' as const,
  resource: 'firewall:nftables:vrrp',
  description: "remove lbprov's VRRP rule (comment lbprov-vrrp) from the nftables ruleset",
};

const cases: StepCase[] = [
  {
    name: 'neither nft nor iptables: ok, nothing to do',
    args: VRRP,
    facts: [{ tool: 'none' }],
    expect: { status: 'ok', reason: 'no nftables or iptables on this host' },
  },
  {
    name: 'nft present, no ruleset loaded: VRRP passes',
    args: VRRP,
    facts: [nft('')],
    expect: { status: 'ok', reason: 'no input chain' },
  },
  {
    name: "an input chain that drops nothing (Debian's stock /etc/nftables.conf): VRRP passes",
    args: VRRP,
    facts: [nft('table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter;\n\t}\n}')],
    expect: { status: 'ok', reason: 'inet filter input drop nothing' },
  },
  {
    name: 'an input chain with policy drop: insert the accept rule at its top, live; undo removes it by its comment',
    args: VRRP,
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
    args: VRRP,
    facts: [withRule('ip protocol vrrp accept comment "lbprov-vrrp"')],
    expect: { status: 'ok', reason: 'VRRP accepted in nftables chain(s) inet filter input' },
  },
  {
    name: "the operator's own VRRP rule: ok, nothing added",
    args: VRRP,
    facts: [withRule('meta l4proto vrrp accept')],
    expect: { status: 'ok', reason: 'VRRP accepted' },
  },
  {
    name: 'a chain that jumps to one that drops, in a second table too: each input chain gets the rule',
    args: VRRP,
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
    args: VRRP,
    facts: [
      nft(
        'table inet firewalld {\n\tchain filter_INPUT {\n\t\ttype filter hook input priority filter + 10; policy accept;\n\t\treject with icmpx admin-prohibited\n\t}\n}',
      ),
    ],
    expect: { status: 'skip', reason: 'firewall-cmd --permanent --add-rich-rule=' },
  },
  {
    name: 'a chain name lbprov does not write into a command: fail, with what to run',
    args: VRRP,
    facts: [
      nft(
        'table inet filter {\n\tchain "in-put" {\n\t\ttype filter hook input priority 0; policy drop;\n\t}\n}',
      ),
    ],
    expect: { status: 'fail', reason: 'inet filter "in-put"', hint: 'nft insert rule' },
  },
  {
    name: 'nft cannot list the ruleset: skipped (cannot tell), verify will say',
    args: VRRP,
    facts: [{ tool: 'nft', readable: false, output: 'Operation not permitted', code: 1 }],
    expect: { status: 'skip', reason: 'cannot tell whether the firewall lets VRRP in' },
  },
  {
    name: 'iptables, policy ACCEPT and no rules: VRRP passes',
    args: VRRP,
    facts: [iptables('ACCEPT')],
    expect: { status: 'ok', reason: 'drops nothing' },
  },
  {
    name: 'iptables with policy DROP: insert the rule; undo deletes every copy',
    args: VRRP,
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
    args: VRRP,
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
    args: VRRP,
    facts: [iptables('DROP', '-A INPUT -p vrrp -m comment --comment lbprov-vrrp -j ACCEPT')],
    expect: { status: 'ok', reason: "VRRP accepted in iptables' INPUT chain" },
  },
  {
    name: 'firewalld on iptables: skipped, with the command to run',
    args: VRRP,
    facts: [iptables('ACCEPT', '-A INPUT -j INPUT_direct', '-A INPUT -j INPUT_ZONES')],
    expect: { status: 'skip', reason: 'firewalld owns' },
  },
  // Connection sync (service.connection_sync): a second rule, with its own comment and undo.
  {
    name: 'connection sync, a drop policy: both rules go in, VRRP first, each with why and its own undo',
    args: SYNC,
    facts: [nft(SSH_ONLY_RULESET)],
    expect: {
      status: 'change',
      description: [
        'let VRRP in',
        "let IPVS connection sync in (the MASTER's connection table (service.connection_sync), or connections are reset on failover)",
        'insert `ip daddr 224.0.0.81 udp dport 8848 accept comment "lbprov-ipvs-sync"` at the top of nftables chain(s) inet filter input',
        'live only',
      ],
      actions: ['shell', 'shell'],
      undo: [
        { ...NFT_UNDO_RECORD, script: undoScript() },
        {
          kind: 'shell',
          resource: 'firewall:nftables:ipvs-sync',
          description:
            "remove lbprov's IPVS connection sync rule (comment lbprov-ipvs-sync) from the nftables ruleset",
          script: undoScript(SYNC).replace('lbprov-vrrp', 'lbprov-ipvs-sync'),
        },
      ],
      more: (change: Change) =>
        expect(change.actions.map((action) => (action.kind === 'shell' ? action.script : ''))).to.deep.equal([
          `nft 'insert rule inet filter input ip daddr 224.0.0.81 udp dport 8848 accept comment "lbprov-ipvs-sync"'`,
          `nft 'insert rule inet filter input ip protocol 112 accept comment "lbprov-vrrp"'`,
        ]),
    },
  },
  {
    name: 'connection sync, an input chain that drops nothing: both pass, nothing to do',
    args: SYNC,
    facts: [nft('table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter;\n\t}\n}')],
    expect: { status: 'ok', reason: 'drop nothing: VRRP and IPVS connection sync pass' },
  },
  {
    name: "connection sync turned on where lbprov's VRRP rule is in: only the sync rule goes in",
    args: SYNC,
    facts: [withRule('ip protocol vrrp accept comment "lbprov-vrrp"')],
    expect: {
      status: 'change',
      description: 'let IPVS connection sync in',
      actions: ['shell'],
      undo: [
        {
          kind: 'shell',
          resource: 'firewall:nftables:ipvs-sync',
          description:
            "remove lbprov's IPVS connection sync rule (comment lbprov-ipvs-sync) from the nftables ruleset",
          script: undoScript(SYNC).replace('lbprov-vrrp', 'lbprov-ipvs-sync'),
        },
      ],
      more: (change: Change) => expect(change.description).not.to.include('let VRRP in'),
    },
  },
  {
    name: "connection sync, both of lbprov's rules in (as nft lists them): ok, a re-apply changes nothing",
    args: SYNC,
    facts: [
      withRule(
        'ip daddr 224.0.0.81 udp dport 8848 accept comment "lbprov-ipvs-sync"\n\t\tip protocol vrrp accept comment "lbprov-vrrp"',
      ),
    ],
    expect: {
      status: 'ok',
      reason: 'VRRP and IPVS connection sync accepted in nftables chain(s) inet filter input',
    },
  },
  {
    name: "connection sync, the operator's own rules (sync by port alone): ok, nothing added",
    args: SYNC,
    facts: [withRule('meta l4proto vrrp accept\n\t\tudp dport 8848 accept')],
    expect: { status: 'ok', reason: 'VRRP and IPVS connection sync accepted' },
  },
  {
    name: "connection sync turned off: apply removes lbprov's sync rule by its comment, the VRRP rule stays",
    args: VRRP,
    facts: [
      withRule(
        'ip protocol vrrp accept comment "lbprov-vrrp"\n\t\tip daddr 224.0.0.81 udp dport 8848 accept comment "lbprov-ipvs-sync"',
      ),
    ],
    expect: {
      status: 'change',
      description: "remove lbprov's IPVS connection sync rule (comment lbprov-ipvs-sync), no longer wanted",
      actions: ['shell'],
      undo: [],
      more: (change: Change) => {
        expect(change.description).not.to.include('insert');
        expect(change.actions[0]).to.include({
          script: undoScript(SYNC).replace('lbprov-vrrp', 'lbprov-ipvs-sync'),
        });
      },
    },
  },
  {
    name: "connection sync off, lbprov's sync rule left in a ruleset that no longer drops: removed all the same",
    args: VRRP,
    facts: [
      nft(
        'table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t\tip daddr 224.0.0.81 udp dport 8848 accept comment "lbprov-ipvs-sync" # handle 3\n\t}\n}',
      ),
    ],
    expect: {
      status: 'change',
      description: "remove lbprov's IPVS connection sync rule",
      actions: ['shell'],
      undo: [],
    },
  },
  {
    name: 'connection sync, a chain name lbprov does not write into a command: the hint names both matches',
    args: SYNC,
    facts: [
      nft(
        'table inet filter {\n\tchain "in-put" {\n\t\ttype filter hook input priority 0; policy drop;\n\t}\n}',
      ),
    ],
    expect: {
      status: 'fail',
      reason: 'inet filter "in-put"',
      hint: 'ip protocol 112 accept`, `nft insert rule <family> <table> <chain> ip daddr 224.0.0.81 udp dport 8848 accept`',
    },
  },
  {
    name: 'connection sync, firewalld: skipped, the hint names both rich rules',
    args: SYNC,
    facts: [
      nft(
        'table inet firewalld {\n\tchain filter_INPUT {\n\t\ttype filter hook input priority filter + 10; policy accept;\n\t\treject with icmpx admin-prohibited\n\t}\n}',
      ),
    ],
    expect: {
      status: 'skip',
      reason:
        'let VRRP and IPVS connection sync in with `firewall-cmd --permanent --add-rich-rule=\'rule protocol value="vrrp" accept\' && firewall-cmd --permanent --add-rich-rule=\'rule family="ipv4" destination address="224.0.0.81" port port="8848" protocol="udp" accept\' && firewall-cmd --reload`',
    },
  },
  {
    name: 'connection sync, nft cannot list the ruleset: skipped, naming both',
    args: SYNC,
    facts: [{ tool: 'nft', readable: false, output: 'Operation not permitted', code: 1 }],
    expect: {
      status: 'skip',
      reason: 'cannot tell whether the firewall lets VRRP and IPVS connection sync in',
    },
  },
  {
    name: 'connection sync, iptables with policy DROP: both rules go in, VRRP first; each undo deletes every copy of its own',
    args: SYNC,
    facts: [iptables('DROP', '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT')],
    expect: {
      status: 'change',
      description: [
        'insert `-d 224.0.0.81 -p udp --dport 8848 -m comment --comment lbprov-ipvs-sync -j ACCEPT`',
        'policy DROP',
      ],
      actions: ['shell', 'shell'],
      undo: [
        {
          kind: 'shell',
          resource: 'firewall:iptables:vrrp',
          description: "remove lbprov's VRRP rule (comment lbprov-vrrp) from iptables' INPUT chain",
          script:
            'while iptables -C INPUT -p 112 -m comment --comment lbprov-vrrp -j ACCEPT 2>/dev/null; do iptables -D INPUT -p 112 -m comment --comment lbprov-vrrp -j ACCEPT || exit 1; done',
        },
        {
          kind: 'shell',
          resource: 'firewall:iptables:ipvs-sync',
          description:
            "remove lbprov's IPVS connection sync rule (comment lbprov-ipvs-sync) from iptables' INPUT chain",
          script:
            'while iptables -C INPUT -d 224.0.0.81 -p udp --dport 8848 -m comment --comment lbprov-ipvs-sync -j ACCEPT 2>/dev/null; do iptables -D INPUT -d 224.0.0.81 -p udp --dport 8848 -m comment --comment lbprov-ipvs-sync -j ACCEPT || exit 1; done',
        },
      ],
      more: (change: Change) =>
        expect(change.actions.map((action) => (action.kind === 'shell' ? action.script : ''))).to.deep.equal([
          'iptables -I INPUT 1 -d 224.0.0.81 -p udp --dport 8848 -m comment --comment lbprov-ipvs-sync -j ACCEPT',
          'iptables -I INPUT 1 -p 112 -m comment --comment lbprov-vrrp -j ACCEPT',
        ]),
    },
  },
  {
    name: "connection sync, iptables with both of lbprov's rules (as iptables -S lists them): ok",
    args: SYNC,
    facts: [iptables('DROP', ...IPTABLES_BOTH)],
    expect: { status: 'ok', reason: "VRRP and IPVS connection sync accepted in iptables' INPUT chain" },
  },
  {
    name: "connection sync turned off, iptables: apply deletes lbprov's sync rule, the VRRP rule stays",
    args: VRRP,
    facts: [iptables('DROP', ...IPTABLES_BOTH)],
    expect: {
      status: 'change',
      description: "remove lbprov's IPVS connection sync rule (comment lbprov-ipvs-sync), no longer wanted",
      actions: ['shell'],
      undo: [],
      more: (change: Change) =>
        expect(change.actions[0]).to.include({
          script:
            'while iptables -C INPUT -d 224.0.0.81 -p udp --dport 8848 -m comment --comment lbprov-ipvs-sync -j ACCEPT 2>/dev/null; do iptables -D INPUT -d 224.0.0.81 -p udp --dport 8848 -m comment --comment lbprov-ipvs-sync -j ACCEPT || exit 1; done',
        }),
    },
  },
  { name: 'needs the rules it keeps', args: {}, rejects: 'firewall: rules' },
  { name: 'knows only its own rules', args: { rules: ['vrrp', 'ssh'] }, rejects: 'firewall: rules.1' },
  { name: 'takes nothing else', args: { ...VRRP, chain: 'input' }, rejects: 'firewall' },
];

/** The undo script of the change lbprov plans for the SSH-only ruleset (the rule named first: VRRP). */
function undoScript(args = VRRP): string {
  const result = firewallModule.check(
    firewallModule.parseArgs(args),
    new Map([['firewall', nft(SSH_ONLY_RULESET)]]),
    hostContext(),
  );
  const [undo] = result.status === 'change' ? result.change.undo : [];
  return undo?.kind === 'shell' ? undo.script : '';
}

describe('steps: firewall', () => {
  describeCases(firewallModule, cases);

  /** What each undo script, run with sh against a fake nft listing `ruleset`, asks nft to delete. */
  function deletedBy(scripts: string[], ruleset: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'lbprov-fw-'));
    try {
      writeFileSync(join(dir, 'ruleset'), `${ruleset}\n`);
      writeFileSync(
        join(dir, 'nft'),
        `#!/bin/sh\nif [ "$1" = -a ]; then cat ${dir}/ruleset; else echo "$@" >> ${dir}/deleted; fi\n`,
      );
      chmodSync(join(dir, 'nft'), 0o755);
      writeFileSync(join(dir, 'deleted'), '');
      for (const script of scripts) {
        execFileSync('sh', ['-c', script], { env: { PATH: `${dir}:/usr/bin:/bin` } });
        appendFileSync(join(dir, 'deleted'), '--\n');
      }
      return readFileSync(join(dir, 'deleted'), 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** lbprov's two rules in the operator's input chain and in a nat chain, beside the operator's own VRRP rule. */
  const BOTH_RULES = SSH_ONLY_RULESET.replace(
    '\t\ttcp dport 22 accept # handle 5',
    '\t\tip protocol vrrp accept comment "lbprov-vrrp" # handle 9\n\t\tip daddr 224.0.0.81 udp dport 8848 accept comment "lbprov-ipvs-sync" # handle 10\n\t\ttcp dport 22 accept # handle 5\n\t\tip protocol vrrp accept # handle 11',
  ).replace(
    '\t\ttype nat hook prerouting priority dstnat; policy accept;',
    '\t\ttype nat hook prerouting priority dstnat; policy accept;\n\t\tip protocol vrrp accept comment "lbprov-vrrp" # handle 12',
  );

  it("the nftables undo, run with sh, deletes lbprov's rules by handle wherever they are, and only them", () => {
    const result = firewallModule.check(
      firewallModule.parseArgs(SYNC),
      new Map([['firewall', nft(SSH_ONLY_RULESET)]]),
      hostContext(),
    );
    const scripts = (result.status === 'change' ? result.change.undo : []).map((undo) =>
      undo.kind === 'shell' ? undo.script : '',
    );
    expect(deletedBy(scripts, BOTH_RULES)).to.equal(
      'delete rule inet filter input handle 9\ndelete rule ip nat prerouting handle 12\n--\n' +
        'delete rule inet filter input handle 10\n--\n',
    );
  });

  it('with connection sync turned off, the removal apply runs deletes the sync rule only', () => {
    const result = firewallModule.check(
      firewallModule.parseArgs(VRRP),
      new Map([['firewall', nft(BOTH_RULES)]]),
      hostContext(),
    );
    const scripts = (result.status === 'change' ? result.change.actions : []).map((action) =>
      action.kind === 'shell' ? action.script : '',
    );
    expect(deletedBy(scripts, BOTH_RULES)).to.equal('delete rule inet filter input handle 10\n--\n');
  });
});
