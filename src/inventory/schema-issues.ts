import { clip } from '../util/printable.js';
import type { z } from 'zod';
import type { PathSegment } from './diagnostic.js';
import type { Finding } from './finding.js';
import { didYouMean } from './suggest.js';

/** Translates zod's issues into findings that say what is wrong and what would be right. */

interface IssueContext {
  valueAt(path: readonly PathSegment[]): unknown;
  sourceText(path: readonly PathSegment[]): string | undefined;
  /** Keys the schema accepts in the mapping at `path`, for did-you-mean. */
  keysAt(path: readonly PathSegment[]): string[];
}

/**
 * Keys from keepalived.conf or the how-to that people will carry over, and where they went. These
 * tables are Maps, not object literals: they are looked up with keys the user wrote, and a key
 * such as `constructor` or `__proto__` would find Object.prototype's members in an object.
 */
const RENAMED_KEYS = new Map<string, string>([
  ['nb_get_retry', 'keepalived 2.x renamed nb_get_retry to retry (defect 6); write retry'],
  ['nat_mask', 'nat_mask means nothing in DR mode and later keepalived rejects it (defect 12); remove it'],
  ['lvs_sched', 'write lb_algo'],
  ['lvs_method', 'write lb_kind'],
  ['virtual_ipaddress', 'write vip: ADDRESS/PREFIX under vrrp'],
  ['real_server', 'write real_servers (a list) at the top level'],
  ['unicast_peer', "write unicast: true under vrrp; lbprov lists the other directors' hosts as the peers"],
  ['unicast_src_ip', "write unicast: true under vrrp; each director's host is its source address"],
  [
    'nopreempt',
    'write preempt: false under vrrp; lbprov then starts every director as BACKUP, as nopreempt needs',
  ],
]);

const EXAMPLES = new Map<string, string>([
  ['host', 'host: 10.8.80.221'],
  ['state', 'state: MASTER or state: BACKUP'],
  ['priority', 'priority: 101 (MASTER) or 10 (BACKUP)'],
  ['interface', 'interface: eth0'],
  ['virtual_router_id', 'virtual_router_id: 51'],
  ['auth_pass', 'auth_pass: { env: LBPROV_AUTH_PASS }'],
  ['password', 'password: { env: LBPROV_REDIS_PASSWORD }'],
  ['vip', 'vip: 10.8.80.200/24'],
  ['version', 'version: "2.2.7"'],
  ['source', 'source: http://www.keepalived.org/software/keepalived-2.2.7.tar.gz'],
  ['client', 'client: 10.8.80.230'],
  ['env', 'env: LBPROV_AUTH_PASS'],
  ['keepalived', 'a keepalived: block with version and source'],
  ['ipvsadm', 'an ipvsadm: block with version and source'],
  ['vrrp', 'a vrrp: block with interface, virtual_router_id, auth_pass and vip'],
  [
    'directors',
    'directors: a MASTER and a BACKUP, e.g. - { host: 10.8.80.218, state: MASTER, priority: 101 }',
  ],
  ['real_servers', 'real_servers: the Redis hosts, e.g. - { host: 10.8.80.221, weight: 1 }'],
]);

const EXPECTED = new Map<string, string>([
  ['number', 'a number'],
  ['int', 'a whole number'],
  ['string', 'text'],
  ['boolean', 'true or false'],
  ['object', 'a mapping of keys to values'],
  ['array', 'a list'],
]);

function describeKind(value: unknown): string {
  if (value === null) return 'empty';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'empty';
  if (typeof value === 'string') return `"${value}"`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

export function findingsFromIssues(issues: readonly z.core.$ZodIssue[], context: IssueContext): Finding[] {
  return issues.flatMap((issue) => findingsFromIssue(issue, context));
}

/** Where the inventory holds a password inline: whatever is wrong with it, messages never repeat it. */
const SECRET_PATHS = ['vrrp.auth_pass', 'redis.password'];

function isSecret(path: PathSegment[]): boolean {
  return path.length === 2 && SECRET_PATHS.includes(path.join('.'));
}

/** "put it in quotes", with the value to copy unless it is the password. */
function quoteHint(path: PathSegment[], shown: string, type: string): string {
  const example = isSecret(path) ? '' : `, "${shown}"`;
  return `put it in quotes${example}; YAML reads it unquoted as a ${type}`;
}

function findingsFromIssue(issue: z.core.$ZodIssue, context: IssueContext): Finding[] {
  const path = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
  const input = context.valueAt(path);
  const shown = isSecret(path)
    ? `the password (not shown; ${describeKind(input)})`
    : clip(context.sourceText(path) ?? describeValue(input));
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => unknownKey([...path, key], context.keysAt(path)));
    case 'invalid_type':
      return [wrongType(path, input, shown, issue.expected)];
    case 'invalid_value': {
      const allowed = issue.values.map(String);
      const suggestion = typeof input === 'string' ? didYouMean(input, allowed) : undefined;
      return [
        {
          path,
          message: `is ${shown}; must be one of ${allowed.join(', ')}`,
          hint: suggestion === undefined ? undefined : `did you mean ${suggestion}?`,
        },
      ];
    }
    case 'invalid_union': {
      // When the input has the shape of exactly one alternative, that alternative's complaints are the useful ones.
      const plausible = issue.errors.filter(
        (branch) => !branch.every((i) => i.code === 'invalid_type' && i.path.length === 0),
      );
      const [only] = plausible;
      if (plausible.length === 1 && only) {
        return findingsFromIssues(
          only.map((i) => ({ ...i, path: [...issue.path, ...i.path] })),
          context,
        );
      }
      return [
        {
          path,
          message: `is ${shown}; ${issue.message}`,
          hint: typeof input === 'number' ? quoteHint(path, shown, 'number') : undefined,
        },
      ];
    }
    case 'custom': {
      const hint = (issue.params as { hint?: string } | undefined)?.hint;
      return [{ path, message: issue.message, hint }];
    }
    default:
      return [{ path, message: `is ${shown}; ${issue.message}` }];
  }
}

function unknownKey(path: PathSegment[], known: string[]): Finding {
  const key = clip(String(path[path.length - 1]));
  const renamed = RENAMED_KEYS.get(key);
  const suggestion = didYouMean(key, known);
  const hint =
    renamed ??
    (suggestion !== undefined
      ? `did you mean ${suggestion}?`
      : known.length > 0
        ? `known keys here: ${known.join(', ')}`
        : undefined);
  return { path, at: 'key', message: `unknown key "${key}"`, hint };
}

function wrongType(path: PathSegment[], input: unknown, shown: string, expected: string): Finding {
  const key = String(path[path.length - 1] ?? '');
  if (input === undefined) {
    const example = EXAMPLES.get(key);
    return { path, message: 'is missing', hint: example === undefined ? undefined : `add ${example}` };
  }
  const wanted = EXPECTED.get(expected) ?? expected;
  const finding: Finding = { path, message: `is ${shown}; expected ${wanted}` };
  if (expected === 'string' && (typeof input === 'number' || typeof input === 'boolean')) {
    finding.hint = quoteHint(path, shown, typeof input);
  } else if (expected === 'number' && typeof input === 'string' && /^\d+$/.test(input)) {
    finding.hint = `write ${input} without quotes`;
  } else if (expected === 'boolean' && typeof input === 'string') {
    finding.hint = 'write true or false (YAML 1.2 reads yes/no/on/off as text)';
  } else if (input === null) {
    finding.message = `is empty; expected ${wanted}`;
  }
  return finding;
}
