import type { Inventory } from '../model/inventory.js';
import { globToRegExp } from '../util/glob.js';

/** The groups --limit knows, as the inventory names its sections. */
const GROUPS = ['directors', 'real_servers'] as const;

/**
 * `--limit` as Ansible's: names, addresses, a group (`directors`, `real_servers`) or a glob (`rs*`),
 * comma-separated, in one option or repeated. Resolves to the hosts' names; a pattern that selects
 * nothing is a mistake, named with what exists.
 */
export function selectHosts(
  inventory: Pick<Inventory, 'directors' | 'real_servers'>,
  limits: readonly string[],
): { hosts: Set<string> } | { unknown: string[]; known: string[] } | undefined {
  const patterns = limits
    .flatMap((limit) => limit.split(','))
    .map((pattern) => pattern.trim())
    .filter(Boolean);
  if (patterns.length === 0) return undefined;
  const entries = [
    ...inventory.directors.map((entry) => ({ entry, group: 'directors' })),
    ...inventory.real_servers.map((entry) => ({ entry, group: 'real_servers' })),
  ];
  const hosts = new Set<string>();
  const unknown: string[] = [];
  for (const pattern of patterns) {
    const glob = globToRegExp(pattern);
    const matches = (text: string) => glob.test(text);
    const selected = entries.filter(
      ({ entry, group }) => group === pattern || matches(entry.name) || matches(entry.host),
    );
    if (selected.length === 0) unknown.push(pattern);
    for (const { entry } of selected) hosts.add(entry.name);
  }
  if (unknown.length > 0) {
    return { unknown, known: [...GROUPS, ...entries.map(({ entry }) => entry.name)] };
  }
  return { hosts };
}
