import { Document, isCollection, isMap, isPair, isScalar, type Node, type Pair } from 'yaml';
import type { InventoryFileInput } from '../../inventory/index.js';
import { escapeUnprintable } from '../../util/printable.js';

/**
 * Writes the inventory with every default spelt out and a comment where a choice needs explaining,
 * so the file doubles as documentation of what lbprov will do.
 */
export function renderInventory(inventory: InventoryFileInput, fileName: string): string {
  const doc = new Document(inventory);
  // A newline in the name would end the comment and start YAML of its own.
  doc.commentBefore = [
    ` lbprov inventory, written by \`lbprov init\`.`,
    ` Check it with \`lbprov validate ${escapeUnprintable(fileName)}\`; inventory/seed.yaml in lbprov explains every field.`,
  ].join('\n');

  for (const path of [
    ['vrrp', 'auth_pass'],
    ['redis', 'password'],
    ['redis', 'sentinel'],
    ['service', 'check'],
  ])
    flowStyle(doc.getIn(path, true));
  // Quoted, so that a later edit to e.g. 1.30 stays text instead of becoming the number 1.3.
  for (const path of [
    ['keepalived', 'version'],
    ['ipvsadm', 'version'],
  ]) {
    const version = doc.getIn(path, true);
    if (isScalar(version)) version.type = 'QUOTE_DOUBLE';
  }
  const sections = isMap(doc.contents) ? doc.contents.items : [];
  for (const pair of sections.slice(1)) {
    if (isScalar(pair.key)) pair.key.spaceBefore = true;
  }
  for (const list of ['directors', 'real_servers']) {
    const items = doc.get(list, true);
    if (isCollection(items)) items.items.forEach((item) => flowStyle(item as Node));
  }

  const comments = commentsFor(inventory);
  for (const [path, text] of comments) {
    const pair = pairAt(doc, path);
    if (pair && isScalar(pair.key)) {
      pair.key.commentBefore = text
        .split('\n')
        .map((line) => ` ${line}`)
        .join('\n');
    }
  }
  return doc.toString({ lineWidth: 0 });
}

function commentsFor(inventory: InventoryFileInput): Comment[] {
  const secret = inventory.vrrp.auth_pass;
  const redisPassword = inventory.redis?.password;
  return [
    [
      ['ssh'],
      'How lbprov reaches every host; a director or real server may override any of it with its own ssh: block.',
    ],
    [['keepalived'], 'Built from source on both directors.'],
    [['keepalived', 'sha256'], "The tarball's SHA-256 digest, verified when given."],
    [['ipvsadm'], 'Built on the directors for inspection (ipvsadm -L -n); keepalived owns the IPVS table.'],
    [['vrrp'], 'One VRRP instance: router id, interval and password are the same on both directors.'],
    [
      ['vrrp', 'auth_pass'],
      typeof secret === 'string'
        ? 'Stored in this file (mode 0600); { env: LBPROV_AUTH_PASS } would keep it out.'
        : `Read from $${secret.env} when lbprov runs; the password is not stored here.`,
    ],
    [['vrrp', 'vip'], 'keepalived owns the VIP and moves it to whichever director is MASTER.'],
    [
      ['service'],
      inventory.redis?.read_port === undefined
        ? 'One port for the VIP and every real server: direct routing forwards without changing it.'
        : "The VIP's port for writes, and every real server's: direct routing forwards without changing it\n(each real server passes redis.read_port on to it).",
    ],
    ...schedulingComments(inventory),
    [
      ['service', 'check'],
      "type: redis checks each real server over the Redis protocol (PING, and its role with primary-replica); tcp is the how-to's TCP_CHECK.",
    ],
    [['directors'], 'The MASTER holds the VIP while it is up; the highest priority wins.'],
    [['real_servers'], 'The Redis hosts. Each gets the VIP on lo and the ARP settings direct routing needs.'],
    [
      ['redis'],
      'manage: bind the host address and the VIP, start and enable Redis; install: install it where missing.' +
        (redisPassword === undefined
          ? '\nNo password: Redis answers anyone who reaches it; password: { env: LBPROV_REDIS_PASSWORD } would make it ask (requirepass).'
          : ''),
    ],
    ...(redisPassword === undefined
      ? []
      : [
          [
            ['redis', 'password'],
            typeof redisPassword === 'string'
              ? 'Stored in this file (mode 0600); { env: LBPROV_REDIS_PASSWORD } would keep it out.'
              : `Read from $${redisPassword.env} when lbprov runs; every real server's Redis asks clients for it.`,
          ] as [string[], string],
        ]),
    ...topologyComments(inventory),
    [
      ['allow_vrrp_only'],
      'verify: { client: ADDRESS }  would name a host that is neither director nor real server, for end-to-end checks.\n' +
        'allow_vrrp_only: true runs keepalived VRRP-only where the kernel lacks IPVS (no load balancing).',
    ],
  ];
}

type Comment = [string[], string];

function schedulingComments(inventory: InventoryFileInput): Comment[] {
  const algo = inventory.service?.lb_algo ?? 'rr';
  const redis = inventory.redis;
  if (redis?.topology === 'primary-replica') {
    return redis.read_port === undefined
      ? []
      : [
          [
            ['service', 'lb_algo'],
            `${algo} spreads the read port's clients over the replicas; the VIP's own port reaches only the primary.`,
          ],
        ];
  }
  if ((algo === 'rr' || algo === 'wrr') && inventory.real_servers.length > 1) {
    return [
      [
        ['service', 'lb_algo'],
        `${algo} spreads clients over the real servers, each with its own data (redis.topology: independent).`,
      ],
    ];
  }
  return [];
}

/** What the topology chosen means, where the file says it. */
function topologyComments(inventory: InventoryFileInput): Comment[] {
  const redis = inventory.redis;
  if (redis?.topology === undefined) return [];
  if (redis.topology === 'independent') {
    return [
      [
        ['redis', 'topology'],
        'independent: every real server serves every client from its own data (caches, read-only data).\n' +
          'primary-replica would make them one dataset: one primary takes the writes, the others replicate it.',
      ],
    ];
  }
  const sentinel = redis.sentinel;
  return [
    [
      ['redis', 'topology'],
      "primary-replica: one dataset. lbprov makes the other real servers replicas of the primary (their own data is replaced);\nthe VIP's port reaches only the primary (the check asks each server its role).",
    ],
    [
      ['redis', 'primary'],
      sentinel === false || sentinel === undefined
        ? 'The primary; without Sentinel it stays the primary, and while it is down writes through the VIP fail.'
        : 'The primary to start with; Sentinel promotes a replica when it fails, and the VIP follows.',
    ],
    ...(redis.read_port === undefined
      ? []
      : [
          [
            ['redis', 'read_port'],
            'A second port on the VIP: reads spread over the replicas in sync (which may lag the primary slightly).',
          ] as Comment,
        ]),
    [
      ['redis', 'sentinel'],
      sentinel === false || sentinel === undefined
        ? 'No Sentinel: a failed primary stays failed. sentinel: true (3 hosts: the real servers, and directors in also_on) would promote a replica.'
        : 'Redis Sentinel on every real server and the directors in also_on (3 at least, so that a majority outlives the primary):\n' +
          'after down_after_ms without an answer from the primary, they promote a replica.',
    ],
  ];
}

function flowStyle(node: unknown): void {
  if (isCollection(node)) node.flow = true;
}

function pairAt(doc: Document, path: string[]): Pair | undefined {
  let node: unknown = doc.contents;
  let found: Pair | undefined;
  for (const key of path) {
    if (!isMap(node)) return undefined;
    found = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
    node = found?.value;
  }
  return found;
}
