import type { Fact } from './fact.js';

/** A base chain of nftables: where the kernel hands packets to the ruleset. */
export interface NftChain {
  family: string;
  table: string;
  name: string;
  /** input, forward, prerouting, ...; absent for a regular chain (reached only by jump/goto). */
  hook?: string;
  policy?: string;
  /** Each rule as `nft -a list` prints it, without its `# handle N`. */
  rules: string[];
}

export type FirewallState =
  /** Neither nft nor iptables is installed: no packet filter lbprov could read or change. */
  | { tool: 'none' }
  /** The tool is there but could not list the rules (not root, a locked table, an old kernel). */
  | { tool: 'nft' | 'iptables'; readable: false; output: string; code: number }
  | { tool: 'nft'; readable: true; chains: NftChain[] }
  /** iptables' INPUT chain of the filter table: its policy and its rules as `iptables -S` prints them. */
  | { tool: 'iptables'; readable: true; policy: string; rules: string[] };

const NFT_MARK = '__lbprov_fw nft';
const IPTABLES_MARK = '__lbprov_fw iptables';
const EXIT_MARK = '__lbprov_fw exit=';

/**
 * The host's packet filter, in the same probe as every other fact. `command -v` is the shell's own,
 * so a host without nft or iptables pays no fork; with nft, one (nftables also shows the tables
 * iptables-nft makes); iptables is read only where nft is absent.
 */
export const firewallFact: Fact<FirewallState> = {
  key: 'firewall',
  inline: true,
  command: [
    'if command -v nft >/dev/null 2>&1; then',
    `  echo '${NFT_MARK}'; nft -a list ruleset 2>&1; echo "${EXIT_MARK}$?"`,
    'elif command -v iptables >/dev/null 2>&1; then',
    `  echo '${IPTABLES_MARK}'; iptables -S INPUT 2>&1; echo "${EXIT_MARK}$?"`,
    'fi',
  ].join('\n'),
  parse(output) {
    const lines = output.split('\n');
    const first = lines.findIndex((line) => line === NFT_MARK || line === IPTABLES_MARK);
    if (first < 0) return { tool: 'none' };
    const tool = lines[first] === NFT_MARK ? 'nft' : 'iptables';
    const exitAt = lines.findIndex((line) => line.startsWith(EXIT_MARK));
    const body = lines.slice(first + 1, exitAt < 0 ? undefined : exitAt);
    const code = exitAt < 0 ? -1 : Number(lines[exitAt]!.slice(EXIT_MARK.length));
    if (code !== 0) return { tool, readable: false, output: body.join('\n').trim(), code };
    return tool === 'nft'
      ? { tool, readable: true, chains: parseNftRuleset(body) }
      : { tool, readable: true, ...parseIptablesInput(body) };
  },
};

/**
 * The chains of `nft -a list ruleset` (text: every nftables release prints it; JSON needs a build
 * with libjansson). Tables start at column 0, their chains, sets and maps one tab in, rules two.
 */
export function parseNftRuleset(lines: string[]): NftChain[] {
  const chains: NftChain[] = [];
  let table: { family: string; name: string } | undefined;
  let chain: NftChain | undefined;
  for (const line of lines) {
    const tableStart = /^table (\S+) (\S+) \{/.exec(line);
    if (tableStart) {
      table = { family: tableStart[1]!, name: tableStart[2]! };
      chain = undefined;
      continue;
    }
    const blockStart = /^\t(\S+) (\S+) \{/.exec(line);
    if (blockStart && table) {
      chain =
        blockStart[1] === 'chain'
          ? { family: table.family, table: table.name, name: blockStart[2]!, rules: [] }
          : undefined;
      if (chain) chains.push(chain);
      continue;
    }
    if (/^\t\}/.test(line) || /^\}/.test(line)) {
      chain = undefined;
      continue;
    }
    if (!chain || !line.startsWith('\t\t')) continue;
    const text = line.trim();
    const base = /^type \S+ hook (\S+)(?: device \S+)? priority [^;]+;(?: policy (\S+);)?/.exec(text);
    if (base) {
      chain.hook = base[1];
      if (base[2]) chain.policy = base[2];
      continue;
    }
    chain.rules.push(text.replace(/\s*# handle \d+$/, ''));
  }
  return chains;
}

export function parseIptablesInput(lines: string[]): { policy: string; rules: string[] } {
  const policy = lines.map((line) => /^-P INPUT (\S+)/.exec(line)?.[1]).find(Boolean) ?? 'ACCEPT';
  return { policy, rules: lines.filter((line) => line.startsWith('-A INPUT ')) };
}
