// line_in_file's `unless_exists`: once another program keeps the line (Sentinel rewrites a
// replica's replicaof after a failover), lbprov leaves it as it is and says why.
import { lineInFileModule } from '../../../src/steps/line-in-file.js';
import { describeCases, file, type StepCase } from './support.js';

const CONF = '/etc/redis/redis.conf';
const SENTINEL = '/etc/redis/lbprov-sentinel.conf';
const args = {
  path: CONF,
  regexp: '^\\s*(?:replicaof|slaveof)\\s',
  line: 'replicaof 10.0.0.21 6379',
  create: false,
  unless_exists: { path: SENTINEL, reason: 'Sentinel manages replication here' },
};
const redisConf = { mode: 0o640, owner: 'redis', group: 'redis' };

const cases: StepCase[] = [
  {
    name: 'first setup (no Sentinel file yet): the line is written',
    args,
    facts: [file('port 6379\n', redisConf), false],
    expect: {
      status: 'change',
      description: `update ${CONF}`,
      actions: ['write_file'],
      undo: [{ kind: 'restore_file', resource: `file:${CONF}`, path: CONF }],
      diff: '+replicaof 10.0.0.21 6379',
    },
  },
  {
    name: 'after a failover (Sentinel made this host replicate another): left alone, saying why',
    args,
    facts: [file('port 6379\nreplicaof 10.0.0.22 6379\n', redisConf), true],
    expect: { status: 'ok', reason: `${SENTINEL} exists: Sentinel manages replication here` },
  },
  {
    name: 'the primary after a failover (removing replicaof would make two primaries): left alone',
    args: { ...args, line: undefined, state: 'absent' },
    facts: [file('port 6379\nreplicaof 10.0.0.22 6379\n', redisConf), true],
    expect: { status: 'ok', reason: `${SENTINEL} exists` },
  },
  {
    name: 'unless_exists needs a reason',
    args: { ...args, unless_exists: { path: SENTINEL } },
    rejects: 'unless_exists.reason',
  },
];

describe('line_in_file module: unless_exists', () => describeCases(lineInFileModule, cases));
