import { z } from 'zod';
import { factValue } from '../facts/fact.js';
import {
  firewallFact,
  VRRP_PROTOCOL,
  VRRP_RULE_COMMENT,
  type FirewallState,
  type NftChain,
} from '../facts/firewall.js';
import { shellQuote } from '../util/shell.js';
import { parseArgs } from './args.js';
import type { CheckResult, Module, UndoRecord } from './types.js';

const schema = z.object({}).strict();

type FirewallArgs = z.output<typeof schema>;

/** What an operator who runs firewalld does instead (firewalld rewrites its tables on every reload). */
const FIREWALLD_HINT = `firewall-cmd --permanent --add-rich-rule='rule protocol value="vrrp" accept' && firewall-cmd --reload`;

const NOT_SAVED =
  'live only: a reboot or a reload of the saved rules drops it (add the same rule there to keep it); the next apply puts it back';

/** Names lbprov writes into an nft command unquoted; anything else is left to the operator. */
const NFT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A rule that accepts VRRP, lbprov's or the operator's own. */
const NFT_ACCEPTS_VRRP = new RegExp(`(?:ip protocol|meta l4proto) (?:vrrp|${VRRP_PROTOCOL}) .*\\baccept\\b`);
const IPTABLES_ACCEPTS_VRRP = new RegExp(`-p (?:vrrp|${VRRP_PROTOCOL})\\b.*-j ACCEPT`);
const NFT_OURS = `comment "${VRRP_RULE_COMMENT}"`;
const IPTABLES_OURS = new RegExp(`--comment "?${VRRP_RULE_COMMENT}"?(?:\\s|$)`);

const IPTABLES_RULE = `-p ${VRRP_PROTOCOL} -m comment --comment ${VRRP_RULE_COMMENT} -j ACCEPT`;

/**
 * Removes every rule carrying lbprov's comment, wherever it is: the handles a rule gets are only
 * known once it is in, and a chain may have been renumbered since.
 */
const NFT_UNDO = [
  `nft -a list ruleset 2>/dev/null | awk ${shellQuote(`/^table /{f=$2; t=$3} /^\\tchain /{c=$2} /${NFT_OURS}/{print f, t, c, $NF}`)} |`,
  '  while read -r lbp_f lbp_t lbp_c lbp_h; do nft delete rule "$lbp_f" "$lbp_t" "$lbp_c" handle "$lbp_h" || exit 1; done',
].join('\n');
const IPTABLES_UNDO = `while iptables -C INPUT ${IPTABLES_RULE} 2>/dev/null; do iptables -D INPUT ${IPTABLES_RULE} || exit 1; done`;

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

function cannotTell(tool: string, state: { output: string; code: number }): CheckResult {
  return {
    status: 'skip',
    reason: `cannot tell whether the firewall lets VRRP in: ${tool === 'nft' ? '`nft list ruleset`' : '`iptables -S INPUT`'} failed (exit ${state.code}: ${state.output.split('\n')[0] || 'no output'}); left alone, and \`lbprov verify\` reports a split brain`,
  };
}

function checkNft(chains: NftChain[]): CheckResult {
  if (chains.some((chain) => chain.table === 'firewalld')) {
    return {
      status: 'skip',
      reason: `firewalld owns this host's nftables ruleset and rewrites it on every reload: lbprov leaves it alone; let VRRP in with \`${FIREWALLD_HINT}\` (\`lbprov verify\` reports a split brain until then)`,
    };
  }
  // A packet passes only if every base chain on the input hook accepts it: an accept in a table of
  // lbprov's own would not outvote another table's drop, so the rule goes into each of them.
  const input = chains.filter(
    (chain) => (chain.family === 'ip' || chain.family === 'inet') && chain.hook === 'input',
  );
  const targets = input.filter((chain) => filtering(chains, chain));
  if (targets.length === 0) {
    return {
      status: 'ok',
      reason:
        input.length === 0
          ? 'nftables filters no incoming IPv4 packets (no input chain): VRRP passes'
          : `nftables input chain(s) ${input.map(chainName).join(', ')} drop nothing: VRRP passes`,
    };
  }
  const missing = targets.filter((chain) => !chain.rules.some((rule) => NFT_ACCEPTS_VRRP.test(rule)));
  if (missing.length === 0) {
    return {
      status: 'ok',
      reason: `VRRP accepted in nftables chain(s) ${targets.map(chainName).join(', ')}`,
    };
  }
  const odd = missing.filter(
    (chain) => ![chain.family, chain.table, chain.name].every((n) => NFT_NAME.test(n)),
  );
  if (odd.length > 0) {
    return {
      status: 'fail',
      reason: `nftables chain(s) ${odd.map(chainName).join(', ')} drop incoming packets and have names lbprov does not write into commands`,
      hint: `let IP protocol 112 in at the top of each yourself (\`nft insert rule <family> <table> <chain> ip protocol ${VRRP_PROTOCOL} accept\`), or set firewall: skip`,
    };
  }
  const rule = `ip protocol ${VRRP_PROTOCOL} accept comment "${VRRP_RULE_COMMENT}"`;
  const undo: UndoRecord = {
    kind: 'shell',
    resource: 'firewall:nftables:vrrp',
    description: `remove lbprov's VRRP rule (comment ${VRRP_RULE_COMMENT}) from the nftables ruleset`,
    script: NFT_UNDO,
  };
  return {
    status: 'change',
    change: {
      description: `let VRRP in: insert \`${rule}\` at the top of nftables chain(s) ${missing.map(chainName).join(', ')} (${NOT_SAVED})`,
      actions: missing.map((chain) => ({
        kind: 'shell' as const,
        description: `accept VRRP in nftables chain ${chainName(chain)}`,
        script: `nft ${shellQuote(`insert rule ${chainName(chain)} ${rule}`)}`,
      })),
      undo: [undo],
    },
  };
}

function checkIptables(policy: string, rules: string[]): CheckResult {
  if (rules.some((rule) => /-j (?:INPUT_direct|IN_\S+|INPUT_ZONES)\b/.test(rule))) {
    return {
      status: 'skip',
      reason: `firewalld owns this host's iptables rules and rewrites them on every reload: lbprov leaves them alone; let VRRP in with \`${FIREWALLD_HINT}\` (\`lbprov verify\` reports a split brain until then)`,
    };
  }
  // A drop policy, a DROP or REJECT rule, or a jump to a chain of the operator's that may drop.
  const drops = policy !== 'ACCEPT' || rules.some((rule) => /-j (?!ACCEPT\b|RETURN\b|LOG\b)\S+/.test(rule));
  if (!drops) return { status: 'ok', reason: "iptables' INPUT chain drops nothing: VRRP passes" };
  if (rules.some((rule) => IPTABLES_OURS.test(rule) || IPTABLES_ACCEPTS_VRRP.test(rule))) {
    return { status: 'ok', reason: "VRRP accepted in iptables' INPUT chain" };
  }
  return {
    status: 'change',
    change: {
      description: `let VRRP in: insert \`${IPTABLES_RULE}\` at the top of iptables' INPUT chain (policy ${policy}; ${NOT_SAVED})`,
      actions: [
        {
          kind: 'shell',
          description: "accept VRRP in iptables' INPUT chain",
          script: `iptables -I INPUT 1 ${IPTABLES_RULE}`,
        },
      ],
      undo: [
        {
          kind: 'shell',
          resource: 'firewall:iptables:vrrp',
          description: `remove lbprov's VRRP rule (comment ${VRRP_RULE_COMMENT}) from iptables' INPUT chain`,
          script: IPTABLES_UNDO,
        },
      ],
    },
  };
}

/**
 * VRRP adverts (IP protocol 112, to the multicast group or, with vrrp.unicast, to this host) must
 * reach keepalived, or each director hears nobody and both take the VIP. Where the host's firewall
 * drops incoming packets, lbprov inserts one accept rule of its own at the top of each input chain.
 */
export const firewallModule: Module<FirewallArgs> = {
  name: 'firewall',
  parseArgs: (raw) => parseArgs('firewall', schema, raw),
  facts: () => [firewallFact],
  check(_args, facts) {
    const state: FirewallState = factValue(facts, firewallFact);
    if (state.tool === 'none')
      return { status: 'ok', reason: 'no nftables or iptables on this host: nothing filters VRRP' };
    if (!state.readable) return cannotTell(state.tool, state);
    return state.tool === 'nft' ? checkNft(state.chains) : checkIptables(state.policy, state.rules);
  },
};
