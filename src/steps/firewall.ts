import { z } from 'zod';
import { factValue } from '../facts/fact.js';
import { firewallFact, type FirewallState, type NftChain } from '../facts/firewall.js';
import { shellQuote } from '../util/shell.js';
import { parseArgs } from './args.js';
import type { Action, CheckResult, Module, ShellAction, UndoRecord } from './types.js';

/** The rules lbprov can keep in a director's firewall, by name (the playbook's `rules:`). */
export const FIREWALL_RULE_NAMES = ['vrrp', 'ipvs-sync'] as const;
export type FirewallRuleName = (typeof FIREWALL_RULE_NAMES)[number];

/** One accept rule of lbprov's: what it lets in, how it is written, how the operator's own is recognised. */
interface FirewallRule {
  /** What the rule lets in, for the plan ("let VRRP in"). */
  traffic: string;
  /** Why it is needed, for the plan. */
  why: string;
  /** How apply finds it again (no change on re-apply) and how destroy removes exactly it. */
  comment: string;
  /** The match, as lbprov writes it into `nft insert rule` and into iptables' rule spec. */
  nft: string;
  iptables: string;
  /** An accept rule of the operator's (or lbprov's) that already lets the traffic in. */
  nftAccepts: RegExp;
  iptablesAccepts: RegExp;
  /** The rich rule an operator who runs firewalld adds instead. */
  firewalld: string;
}

// IP protocol 112 by number: a host without /etc/protocols (netbase) knows no name for it.
// The sync daemon's group and port are the kernel's own (IP_VS_SYNC_GROUP / IP_VS_SYNC_PORT in
// net/netfilter/ipvs/ip_vs_sync.c), which keepalived leaves as they are.
const RULES: Record<FirewallRuleName, FirewallRule> = {
  vrrp: {
    traffic: 'VRRP',
    why: "the other director's adverts, or both take the VIP",
    comment: 'lbprov-vrrp',
    nft: 'ip protocol 112',
    iptables: '-p 112',
    nftAccepts: /(?:ip protocol|meta l4proto) (?:vrrp|112) .*\baccept\b/,
    iptablesAccepts: /-p (?:vrrp|112)\b.*-j ACCEPT/,
    firewalld: 'rule protocol value="vrrp" accept',
  },
  'ipvs-sync': {
    traffic: 'IPVS connection sync',
    why: "the MASTER's connection table (service.connection_sync), or connections are reset on failover",
    comment: 'lbprov-ipvs-sync',
    nft: 'ip daddr 224.0.0.81 udp dport 8848',
    iptables: '-d 224.0.0.81 -p udp --dport 8848',
    nftAccepts: /\budp dport 8848 .*\baccept\b/,
    iptablesAccepts: /-p udp\b.*--dport 8848\b.*-j ACCEPT/,
    firewalld: 'rule family="ipv4" destination address="224.0.0.81" port port="8848" protocol="udp" accept',
  },
};

/** What the named rules let in, in words (for a step's name). */
export function firewallTraffic(names: readonly FirewallRuleName[]): string {
  return names.map((name) => RULES[name].traffic).join(' and ');
}

const schema = z
  .object({
    /** The rules this director needs; any other rule of lbprov's found in its firewall is removed. */
    rules: z.array(z.enum(FIREWALL_RULE_NAMES)).min(1),
  })
  .strict();

type FirewallArgs = z.output<typeof schema>;

const NOT_SAVED =
  'live only: a reboot or a reload of the saved rules drops it (add the same rule there to keep it); the next apply puts it back';

/** Names lbprov writes into an nft command unquoted; anything else is left to the operator. */
const NFT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const nftRule = (rule: FirewallRule) => `${rule.nft} accept comment "${rule.comment}"`;
const nftOurs = (rule: FirewallRule) => `comment "${rule.comment}"`;
const iptablesRule = (rule: FirewallRule) =>
  `${rule.iptables} -m comment --comment ${rule.comment} -j ACCEPT`;
const iptablesOurs = (rule: FirewallRule) => new RegExp(`--comment "?${rule.comment}"?(?:\\s|$)`);

/**
 * Removes every rule carrying the rule's comment, wherever it is: the handles a rule gets are only
 * known once it is in, and a chain may have been renumbered since.
 */
function nftUndo(rule: FirewallRule): string {
  return [
    `nft -a list ruleset 2>/dev/null | awk ${shellQuote(`/^table /{f=$2; t=$3} /^\\tchain /{c=$2} /${nftOurs(rule)}/{print f, t, c, $NF}`)} |`,
    '  while read -r lbp_f lbp_t lbp_c lbp_h; do nft delete rule "$lbp_f" "$lbp_t" "$lbp_c" handle "$lbp_h" || exit 1; done',
  ].join('\n');
}

function iptablesUndo(rule: FirewallRule): string {
  const spec = iptablesRule(rule);
  return `while iptables -C INPUT ${spec} 2>/dev/null; do iptables -D INPUT ${spec} || exit 1; done`;
}

/** Deletes every copy of the rule, found by its comment. */
function removal(tool: 'nftables' | 'iptables', name: FirewallRuleName): ShellAction {
  const rule = RULES[name];
  const from = tool === 'nftables' ? 'the nftables ruleset' : "iptables' INPUT chain";
  return {
    kind: 'shell',
    description: `remove lbprov's ${rule.traffic} rule (comment ${rule.comment}) from ${from}`,
    script: tool === 'nftables' ? nftUndo(rule) : iptablesUndo(rule),
  };
}

function undoRecord(tool: 'nftables' | 'iptables', name: FirewallRuleName): UndoRecord {
  return { ...removal(tool, name), resource: `firewall:${tool}:${name}` };
}

function traffic(names: readonly FirewallRuleName[]): string {
  return names.map((name) => RULES[name].traffic).join(' and ');
}

function passes(names: readonly FirewallRuleName[]): string {
  return `${traffic(names)} ${names.length > 1 ? 'pass' : 'passes'}`;
}

/** What an operator who runs firewalld does instead (firewalld rewrites its tables on every reload). */
function firewalldHint(names: readonly FirewallRuleName[]): string {
  const adds = names.map((name) => `firewall-cmd --permanent --add-rich-rule='${RULES[name].firewalld}'`);
  return [...adds, 'firewall-cmd --reload'].join(' && ');
}

function firewalld(names: readonly FirewallRuleName[], what: string): CheckResult {
  return {
    status: 'skip',
    reason: `firewalld owns this host's ${what} and rewrites its tables on every reload: lbprov leaves them alone; let ${traffic(names)} in with \`${firewalldHint(names)}\` (\`lbprov verify\` reports a split brain until then)`,
  };
}

/** lbprov's rules no longer wanted (e.g. service.connection_sync turned off), found by their comment. */
function unwanted(
  wanted: readonly FirewallRuleName[],
  carries: (rule: FirewallRule) => boolean,
): FirewallRuleName[] {
  return FIREWALL_RULE_NAMES.filter((name) => !wanted.includes(name) && carries(RULES[name]));
}

function removals(
  tool: 'nftables' | 'iptables',
  names: FirewallRuleName[],
): { text: string[]; actions: Action[] } {
  return {
    text: names.map(
      (name) =>
        `remove lbprov's ${RULES[name].traffic} rule (comment ${RULES[name].comment}), no longer wanted`,
    ),
    actions: names.map((name) => removal(tool, name)),
  };
}

function chainName(chain: NftChain): string {
  return `${chain.family} ${chain.table} ${chain.name}`;
}

/** A table whose chains can drop: a base chain's drop policy, or a drop or reject rule anywhere in it. */
function filtering(chains: NftChain[], chain: NftChain): boolean {
  if (chain.policy === 'drop') return true;
  return chains.some(
    (other) =>
      other.family === chain.family &&
      other.table === chain.table &&
      other.rules.some((rule) => /\b(?:drop|reject)\b/.test(rule)),
  );
}

function cannotTell(
  names: readonly FirewallRuleName[],
  tool: string,
  state: { output: string; code: number },
): CheckResult {
  return {
    status: 'skip',
    reason: `cannot tell whether the firewall lets ${traffic(names)} in: ${tool === 'nft' ? '`nft list ruleset`' : '`iptables -S INPUT`'} failed (exit ${state.code}: ${state.output.split('\n')[0] || 'no output'}); left alone, and \`lbprov verify\` reports a split brain`,
  };
}

function checkNft(wanted: readonly FirewallRuleName[], chains: NftChain[]): CheckResult {
  if (chains.some((chain) => chain.table === 'firewalld')) return firewalld(wanted, 'nftables ruleset');
  const stale = removals(
    'nftables',
    unwanted(wanted, (rule) =>
      chains.some((chain) => chain.rules.some((text) => text.includes(nftOurs(rule)))),
    ),
  );
  // A packet passes only if every base chain on the input hook accepts it: an accept in a table of
  // lbprov's own would not outvote another table's drop, so each rule goes into each of them.
  const input = chains.filter(
    (chain) => (chain.family === 'ip' || chain.family === 'inet') && chain.hook === 'input',
  );
  const targets = input.filter((chain) => filtering(chains, chain));
  const missing = wanted
    .map((name) => ({
      name,
      chains: targets.filter((chain) => !chain.rules.some((rule) => RULES[name].nftAccepts.test(rule))),
    }))
    .filter((entry) => entry.chains.length > 0);
  if (missing.length === 0 && stale.actions.length === 0) {
    return {
      status: 'ok',
      reason:
        targets.length > 0
          ? `${traffic(wanted)} accepted in nftables chain(s) ${targets.map(chainName).join(', ')}`
          : input.length === 0
            ? `nftables filters no incoming IPv4 packets (no input chain): ${passes(wanted)}`
            : `nftables input chain(s) ${input.map(chainName).join(', ')} drop nothing: ${passes(wanted)}`,
    };
  }
  const odd = [...new Set(missing.flatMap((entry) => entry.chains))].filter(
    (chain) => ![chain.family, chain.table, chain.name].every((n) => NFT_NAME.test(n)),
  );
  if (odd.length > 0) {
    return {
      status: 'fail',
      reason: `nftables chain(s) ${odd.map(chainName).join(', ')} drop incoming packets and have names lbprov does not write into commands`,
      hint: `let ${traffic(missing.map((entry) => entry.name))} in at the top of each yourself (${missing
        .map((entry) => `\`nft insert rule <family> <table> <chain> ${RULES[entry.name].nft} accept\``)
        .join(', ')}), or set firewall: skip`,
    };
  }
  const inserts = missing.map(
    ({ name, chains: into }) =>
      `let ${RULES[name].traffic} in (${RULES[name].why}): insert \`${nftRule(RULES[name])}\` at the top of nftables chain(s) ${into.map(chainName).join(', ')}`,
  );
  // `nft insert` puts a rule first: inserted last to first, lbprov's rules stand in the order named.
  const actions: Action[] = [...missing].reverse().flatMap(({ name, chains: into }) =>
    into.map((chain) => ({
      kind: 'shell' as const,
      description: `accept ${RULES[name].traffic} in nftables chain ${chainName(chain)}`,
      script: `nft ${shellQuote(`insert rule ${chainName(chain)} ${nftRule(RULES[name])}`)}`,
    })),
  );
  return {
    status: 'change',
    change: {
      description: [...inserts, ...stale.text].join('; ') + (inserts.length > 0 ? ` (${NOT_SAVED})` : ''),
      actions: [...stale.actions, ...actions],
      undo: missing.map((entry) => undoRecord('nftables', entry.name)),
    },
  };
}

function checkIptables(wanted: readonly FirewallRuleName[], policy: string, rules: string[]): CheckResult {
  if (rules.some((rule) => /-j (?:INPUT_direct|IN_\S+|INPUT_ZONES)\b/.test(rule))) {
    return firewalld(wanted, 'iptables rules');
  }
  const stale = removals(
    'iptables',
    unwanted(wanted, (rule) => rules.some((text) => iptablesOurs(rule).test(text))),
  );
  // A drop policy, a DROP or REJECT rule, or a jump to a chain of the operator's that may drop.
  const drops = policy !== 'ACCEPT' || rules.some((rule) => /-j (?!ACCEPT\b|RETURN\b|LOG\b)\S+/.test(rule));
  const missing = drops
    ? wanted.filter(
        (name) =>
          !rules.some(
            (rule) => iptablesOurs(RULES[name]).test(rule) || RULES[name].iptablesAccepts.test(rule),
          ),
      )
    : [];
  if (missing.length === 0 && stale.actions.length === 0) {
    return {
      status: 'ok',
      reason: drops
        ? `${traffic(wanted)} accepted in iptables' INPUT chain`
        : `iptables' INPUT chain drops nothing: ${passes(wanted)}`,
    };
  }
  const inserts = missing.map(
    (name) =>
      `let ${RULES[name].traffic} in (${RULES[name].why}): insert \`${iptablesRule(RULES[name])}\` at the top of iptables' INPUT chain (policy ${policy})`,
  );
  // `-I INPUT 1` puts a rule first: inserted last to first, lbprov's rules stand in the order named.
  const actions: Action[] = [...missing].reverse().map((name) => ({
    kind: 'shell' as const,
    description: `accept ${RULES[name].traffic} in iptables' INPUT chain`,
    script: `iptables -I INPUT 1 ${iptablesRule(RULES[name])}`,
  }));
  return {
    status: 'change',
    change: {
      description: [...inserts, ...stale.text].join('; ') + (inserts.length > 0 ? ` (${NOT_SAVED})` : ''),
      actions: [...stale.actions, ...actions],
      undo: missing.map((name) => undoRecord('iptables', name)),
    },
  };
}

/**
 * VRRP adverts (IP protocol 112, to the multicast group or, with vrrp.unicast, to this host) must
 * reach keepalived, or each director hears nobody and both take the VIP; with connection sync the
 * MASTER's kernel sends its connection table to the BACKUP's (UDP to 224.0.0.81:8848), or
 * connections are reset on failover. Where the host's firewall drops incoming packets, lbprov
 * inserts its accept rules at the top of each input chain, and removes those no longer wanted.
 */
export const firewallModule: Module<FirewallArgs> = {
  name: 'firewall',
  parseArgs: (raw) => parseArgs('firewall', schema, raw),
  facts: () => [firewallFact],
  check(args, facts) {
    const state: FirewallState = factValue(facts, firewallFact);
    if (state.tool === 'none')
      return {
        status: 'ok',
        reason: `no nftables or iptables on this host: nothing filters ${traffic(args.rules)}`,
      };
    if (!state.readable) return cannotTell(args.rules, state.tool, state);
    return state.tool === 'nft'
      ? checkNft(args.rules, state.chains)
      : checkIptables(args.rules, state.policy, state.rules);
  },
};
