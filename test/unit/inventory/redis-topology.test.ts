// redis.topology and its keys (issue 17): every combination that cannot work is refused at the key
// to change, with file:line:col, what is wrong and the fix; what can work reaches the model, which
// finds the primary and the Sentinel hosts the rules accepted.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { formatDiagnostic, validateInventoryText, type Diagnostic } from '../../../src/inventory/index.js';
import { initialPrimary, sentinelHosts, sentinelQuorum } from '../../../src/model/redis-topology.js';
import { errorAt, positionOf } from './positions.js';

const BASE = readFileSync(new URL('../../fixtures/inventories/base.yaml', import.meta.url), 'utf8');
const FILE = 'inventory.yaml';

/** base.yaml with names, so that keys can name hosts both ways. */
const NAMED = BASE.replace('{ host: 192.168.56.10,', '{ name: lb1, host: 192.168.56.10,')
  .replace('{ host: 192.168.56.11,', '{ name: lb2, host: 192.168.56.11,')
  .replace('{ host: 192.168.56.21,', '{ name: rs1, host: 192.168.56.21,')
  .replace('{ host: 192.168.56.22,', '{ name: rs2, host: 192.168.56.22,');
const RS2 = '  - { name: rs2, host: 192.168.56.22, weight: 1 }\n';

/** `lines` (YAML, indented as keys of redis) added to the redis section. */
function withRedis(lines: string, text = NAMED): string {
  if (!text.includes('  install: false\n')) throw new Error('test bug: no redis section to add to');
  return text.replace('  install: false\n', `  install: false\n${lines}`);
}

const oneRealServer = (text: string) => text.replace(RS2, '');
const threeRealServers = (text: string) =>
  text.replace(RS2, `${RS2}  - { name: rs3, host: 192.168.56.23, weight: 1 }\n`);
const withCheckType = (text: string, type: string) =>
  text.replace('check: { connect_timeout: 3,', `check: { type: ${type}, connect_timeout: 3,`);

function validate(text: string) {
  return validateInventoryText(text, FILE, {});
}

function accepted(text: string) {
  const result = validate(text);
  expect(result.errors.map(formatDiagnostic), 'errors').to.deep.equal([]);
  expect(result.inventory).to.not.equal(undefined);
  return { ...result, inventory: result.inventory! };
}

/** The one error at `path`: at `fragment` in the file (plus `offset` columns), refusing the inventory. */
function refusedAt(text: string, path: string, fragment: string, offset = 0): Diagnostic {
  const result = validate(text);
  expect(result.inventory, 'a refused inventory has no model').to.equal(undefined);
  const error = errorAt(result.errors, path);
  const where = positionOf(text, fragment);
  expect({ line: error.line, column: error.column }, formatDiagnostic(error)).to.deep.equal({
    line: where.line,
    column: where.column + offset,
  });
  expect(error.file).to.equal(FILE);
  expect(error.severity).to.equal('error');
  expect(error.hint, 'every refusal says what would be right').to.be.a('string');
  return error;
}

function warningsAt(text: string, path: string): Diagnostic[] {
  return validate(text).warnings.filter((w) => w.path === path);
}

describe('inventory: redis.topology', () => {
  describe('what can work is accepted and reaches the model', () => {
    it('primary-replica alone: the first real server is the primary, checked over the Redis protocol', () => {
      const { inventory } = accepted(withRedis('  topology: primary-replica\n'));
      expect(inventory.redis.topology).to.equal('primary-replica');
      expect(inventory.service.check.type).to.equal('redis');
      expect(initialPrimary(inventory)?.name).to.equal('rs1');
      expect(sentinelHosts(inventory)).to.deep.equal([]);
    });

    it('a named primary, a read port and a third Sentinel on a director', () => {
      const text = withRedis(
        '  topology: primary-replica\n  primary: rs2\n  read_port: 6380\n  sentinel: { also_on: [lb1] }\n',
      );
      const { inventory, warnings } = accepted(text);
      expect(initialPrimary(inventory)?.name).to.equal('rs2');
      expect(inventory.redis.read_port).to.equal(6380);
      expect(sentinelHosts(inventory).map((h) => h.name)).to.deep.equal(['rs1', 'rs2', 'lb1']);
      expect(sentinelQuorum(sentinelHosts(inventory).length)).to.equal(2);
      expect(warnings.map((w) => w.path)).not.to.include.members(['redis.topology', 'service.lb_algo']);
    });

    it('the primary and also_on may name hosts by address, as the model finds them', () => {
      const { inventory } = accepted(
        withRedis(
          '  topology: primary-replica\n  primary: 192.168.56.22\n  sentinel: { also_on: [192.168.56.11] }\n',
        ),
      );
      expect(initialPrimary(inventory)?.name).to.equal('rs2');
      expect(sentinelHosts(inventory).map((h) => h.name)).to.deep.equal(['rs1', 'rs2', 'lb2']);
    });

    it('sentinel: true on three real servers needs no director', () => {
      const { inventory } = accepted(
        threeRealServers(withRedis('  topology: primary-replica\n  sentinel: true\n')),
      );
      expect(sentinelHosts(inventory)).to.have.length(3);
      expect(inventory.redis.sentinel).to.deep.equal({
        down_after_ms: 5000,
        failover_timeout_ms: 60000,
        also_on: [],
      });
    });

    it('independent with the how-to’s TCP_CHECK, and sentinel: false beside it', () => {
      const { inventory } = accepted(
        withCheckType(withRedis('  topology: independent\n  sentinel: false\n'), 'tcp'),
      );
      expect(inventory.service.check.type).to.equal('tcp');
      expect(inventory.redis.sentinel).to.equal(undefined);
    });

    it('no topology keeps today’s behaviour: TCP_CHECK over every real server', () => {
      const { inventory } = accepted(NAMED);
      expect(inventory.redis.topology).to.equal(undefined);
      expect(inventory.service.check.type).to.equal('tcp');
      expect(initialPrimary(inventory)).to.equal(undefined);
    });

    it('a down-after longer than the failover timeout (Sentinel relates them nowhere)', () => {
      accepted(
        withRedis(
          '  topology: primary-replica\n  sentinel: { down_after_ms: 30000, failover_timeout_ms: 10000, also_on: [lb1] }\n',
        ),
      );
    });
  });

  describe('keys that need primary-replica', () => {
    const keys: [key: string, yaml: string, needs: string][] = [
      ['primary', '  primary: rs1\n', 'no primary to name'],
      ['read_port', '  read_port: 6380\n', 'no replica to spread reads over'],
      ['sentinel', '  sentinel: true\n', 'no primary for Sentinel to replace'],
    ];
    for (const [key, yaml, needs] of keys) {
      it(`redis.${key} without a topology: at the key, saying which topology it needs`, () => {
        const text = withRedis(yaml);
        const error = refusedAt(text, `redis.${key}`, `  ${key}:`, 2);
        expect(error.message)
          .to.include('needs topology: primary-replica')
          .and.include('redis.topology is not set, which means independent')
          .and.include(needs);
        expect(error.hint)
          .to.include('write topology: primary-replica under redis')
          .and.include(`remove redis.${key}`);
      });

      it(`redis.${key} with topology: independent`, () => {
        const text = withRedis(`  topology: independent\n${yaml}`);
        const error = refusedAt(text, `redis.${key}`, `  ${key}:`, 2);
        expect(error.message).to.include('needs topology: primary-replica; with topology: independent');
      });
    }
  });

  describe('redis.primary', () => {
    it('names no real server: the real servers listed, and the one meant when it is close', () => {
      const text = withRedis('  topology: primary-replica\n  primary: RS2\n');
      const error = refusedAt(text, 'redis.primary', 'RS2');
      expect(error.message).to.equal('names no real server (real servers: rs1, rs2)');
      expect(error.hint).to.equal('did you mean rs2?');
    });

    it('names nothing close: the hint says what to write instead', () => {
      const text = withRedis('  topology: primary-replica\n  primary: redis-main\n');
      const error = refusedAt(text, 'redis.primary', 'redis-main');
      expect(error.hint)
        .to.include('write the name (or host) of one real server')
        .and.include('the first, rs1');
    });

    it('names a director', () => {
      const text = withRedis('  topology: primary-replica\n  primary: lb2\n');
      const error = refusedAt(text, 'redis.primary', 'primary: lb2', 'primary: '.length);
      expect(error.message).to.include('names directors[1]; the primary must be a real server');
    });

    it('names a real server of weight 0, which IPVS sends no connection', () => {
      const text = withRedis(
        '  topology: primary-replica\n  primary: rs2\n',
        NAMED.replace('192.168.56.22, weight: 1', '192.168.56.22, weight: 0'),
      );
      const error = refusedAt(text, 'redis.primary', 'primary: rs2', 'primary: '.length);
      expect(error.message).to.include('names rs2, whose weight is 0');
      expect(error.hint).to.include('give rs2 a weight above 0');
    });

    it('left out, with the first real server at weight 0: at that weight', () => {
      const text = withRedis(
        '  topology: primary-replica\n',
        NAMED.replace('192.168.56.21, weight: 1', '192.168.56.21, weight: 0'),
      );
      const error = refusedAt(text, 'real_servers[0].weight', 'weight: 0', 'weight: '.length);
      expect(error.message).to.include('the first real server, as redis.primary is not set');
      expect(error.hint).to.include('name another real server in redis.primary');
    });
  });

  describe('redis.read_port', () => {
    it('equal to service.port', () => {
      const text = withRedis('  topology: primary-replica\n  read_port: 6379\n');
      const error = refusedAt(text, 'redis.read_port', 'read_port: 6379', 'read_port: '.length);
      expect(error.message).to.include("is 6379, service.port, the VIP's port for writes");
      expect(error.hint).to.include('e.g. 6380');
    });

    it('with one real server: no replica to read from', () => {
      const text = oneRealServer(withRedis('  topology: primary-replica\n  read_port: 6380\n'));
      const error = refusedAt(text, 'redis.read_port', 'read_port: 6380', 'read_port: '.length);
      expect(error.message).to.include('needs a replica to read from; real_servers lists 1');
    });

    it("Sentinel's port, with Sentinel; accepted without", () => {
      const text = withRedis(
        '  topology: primary-replica\n  read_port: 26379\n  sentinel: { also_on: [lb1] }\n',
      );
      const error = refusedAt(text, 'redis.read_port', 'read_port: 26379', 'read_port: '.length);
      expect(error.message).to.include("Redis Sentinel's port");
      accepted(withRedis('  topology: primary-replica\n  read_port: 26379\n  sentinel: false\n'));
    });

    it("the real servers' SSH port, inventory-wide or a real server's own", () => {
      const wide = withRedis('  topology: primary-replica\n  read_port: 22\n');
      const error = refusedAt(wide, 'redis.read_port', 'read_port: 22', 'read_port: '.length);
      expect(error.message).to.include("the read port and the real servers' SSH port are both 22");
      expect(error.hint).to.include('choose another read port');
      const own = withRedis(
        '  topology: primary-replica\n  read_port: 2222\n',
        NAMED.replace(
          '{ name: rs2, host: 192.168.56.22, weight: 1 }',
          '{ name: rs2, host: 192.168.56.22, weight: 1, ssh: { port: 2222 } }',
        ),
      );
      refusedAt(own, 'redis.read_port', 'read_port: 2222', 'read_port: '.length);
    });
  });

  describe('what primary-replica needs of the rest', () => {
    it('fewer than 2 real servers: at the topology', () => {
      const text = oneRealServer(withRedis('  topology: primary-replica\n'));
      const error = refusedAt(text, 'redis.topology', 'primary-replica');
      expect(error.message).to.include(
        'needs at least 2 real servers, a primary and a replica; real_servers lists 1',
      );
      expect(error.hint).to.include('topology: independent for a single Redis');
    });

    it('service.check.type tcp: a TCP check cannot tell the primary', () => {
      const text = withCheckType(withRedis('  topology: primary-replica\n'), 'tcp');
      const error = refusedAt(text, 'service.check.type', 'tcp');
      expect(error.message).to.include('cannot tell the primary').and.not.include('Sentinel');
      expect(error.hint).to.include('write type: redis');
      const withSentinel = withCheckType(
        withRedis('  topology: primary-replica\n  sentinel: { also_on: [lb1] }\n'),
        'tcp',
      );
      expect(refusedAt(withSentinel, 'service.check.type', 'tcp').message).to.include(
        'could not follow Sentinel to a new primary',
      );
    });

    it('redis.manage: false: lbprov sets up replication only on a Redis it manages', () => {
      const text = withRedis('  topology: primary-replica\n').replace('manage: true', 'manage: false');
      const error = refusedAt(text, 'redis.manage', 'manage: false', 'manage: '.length);
      expect(error.message).to.include('would stay a primary and take writes');
      expect(error.hint).to.include('set manage: true').and.include('topology: independent');
    });

    it('protocol UDP: Redis serves TCP only', () => {
      const text = withRedis('  topology: primary-replica\n').replace('protocol: TCP', 'protocol: UDP');
      expect(refusedAt(text, 'service.protocol', 'UDP').message).to.include('Redis serves TCP only');
    });
  });

  describe('redis.sentinel', () => {
    it('true with two real servers: too few Sentinels, and which director would make three', () => {
      const text = withRedis('  topology: primary-replica\n  sentinel: true\n');
      const error = refusedAt(text, 'redis.sentinel', 'sentinel: true', 'sentinel: '.length);
      expect(error.message).to.include('would run 2 Sentinels').and.include('majority');
      expect(error.hint).to.equal('run a Sentinel on a director too: sentinel: { also_on: [lb1] }');
    });

    it('an also_on that leaves it at two', () => {
      const text = withRedis('  topology: primary-replica\n  sentinel: { also_on: [] }\n');
      const error = refusedAt(text, 'redis.sentinel', '{ also_on: [] }');
      expect(error.hint).to.equal('run a Sentinel on a director too: also_on: [lb1]');
    });

    it('one real server and one director: the other director would make three', () => {
      // One real server is refused by itself; the Sentinel count still says what it would take.
      const text = oneRealServer(withRedis('  topology: primary-replica\n  sentinel: { also_on: [lb1] }\n'));
      const error = errorAt(validate(text).errors, 'redis.sentinel');
      expect(error.message).to.include('would run 2 Sentinels');
      expect(error.hint).to.equal('run a Sentinel on a director too: also_on: [lb2]');
    });

    it('also_on naming no director: the directors listed, and the one meant', () => {
      const text = withRedis('  topology: primary-replica\n  sentinel: { also_on: [LB2] }\n');
      const error = refusedAt(text, 'redis.sentinel.also_on[0]', 'LB2');
      expect(error.message).to.equal('names no director (directors: lb1, lb2)');
      expect(error.hint).to.equal('did you mean lb2?');
    });

    it('also_on naming a real server, which runs one already', () => {
      const text = withRedis('  topology: primary-replica\n  sentinel: { also_on: [rs1] }\n');
      const error = refusedAt(text, 'redis.sentinel.also_on[0]', 'rs1]');
      expect(error.message).to.include('names rs1, a real server, which runs a Sentinel already');
      expect(error.hint).to.include('write the name (or host) of a director');
    });

    it('also_on naming a director twice, by name or by host', () => {
      for (const second of ['lb1', '192.168.56.10']) {
        const text = withRedis(`  topology: primary-replica\n  sentinel: { also_on: [lb1, ${second}] }\n`);
        const error = refusedAt(text, 'redis.sentinel.also_on[1]', `, ${second}]`, 2);
        expect(error.message).to.equal(
          'names directors[0] again (also_on[0] does); a director runs one Sentinel',
        );
        expect(error.hint).to.equal('remove the duplicate entry');
      }
    });

    it("service.port on Sentinel's port", () => {
      const text = threeRealServers(withRedis('  topology: primary-replica\n  sentinel: true\n')).replace(
        'port: 6379',
        'port: 26379',
      );
      const error = refusedAt(text, 'service.port', 'port: 26379', 'port: '.length);
      expect(error.message).to.include("Redis Sentinel's port").and.include('only one of them can listen');
      expect(error.hint).to.include('give Redis another port');
    });

    it('a failover timeout under two seconds: Sentinel would abandon the failover it started', () => {
      const text = withRedis(
        '  topology: primary-replica\n  sentinel: { failover_timeout_ms: 1000, also_on: [lb1] }\n',
      );
      const error = refusedAt(
        text,
        'redis.sentinel.failover_timeout_ms',
        'failover_timeout_ms: 1000',
        'failover_timeout_ms: '.length,
      );
      expect(error.message).to.include('once a second').and.include('abandons a failover');
      expect(error.hint).to.include('use 2000 or more');
      accepted(text.replace('failover_timeout_ms: 1000', 'failover_timeout_ms: 2000'));
    });
  });

  it('an inventory with several mistakes hears of each at once', () => {
    const text = oneRealServer(
      withCheckType(
        withRedis(
          '  topology: primary-replica\n  primary: rs9\n  read_port: 6379\n  sentinel: { also_on: [lb7] }\n',
        ),
        'tcp',
      ),
    );
    expect(validate(text).errors.map((d) => d.path)).to.include.members([
      'redis.topology',
      'redis.primary',
      'redis.read_port',
      'redis.sentinel.also_on[0]',
      'service.check.type',
    ]);
  });
});

describe('inventory: warnings about the Redis topology', () => {
  it('no topology over two serving real servers: choose one, and the check is still TCP_CHECK', () => {
    const [warning] = warningsAt(NAMED, 'service.lb_algo');
    expect(warning, 'a warning at service.lb_algo').to.not.equal(undefined);
    const where = positionOf(NAMED, 'wlc');
    expect({ line: warning!.line, column: warning!.column }).to.deep.equal(where);
    expect(warning!.message)
      .to.include('wlc spreads clients over 2 Redis servers that redis.topology does not describe')
      .and.include('not on the others (defect 15)')
      .and.include("the how-to's TCP_CHECK");
    expect(warning!.hint)
      .to.include('topology: independent for caches or read-only data')
      .and.include('topology: primary-replica for one dataset');
  });

  it('no topology with check.type redis does not call the check TCP_CHECK', () => {
    const [warning] = warningsAt(withCheckType(NAMED, 'redis'), 'service.lb_algo');
    expect(warning!.message).to.include('not on the others').and.not.include('TCP_CHECK');
  });

  it('no topology with one serving real server: nothing spreads, no warning', () => {
    const text = NAMED.replace('192.168.56.22, weight: 1', '192.168.56.22, weight: 0');
    expect(warningsAt(text, 'service.lb_algo')).to.deep.equal([]);
  });

  it('topology: independent said explicitly silences it', () => {
    const text = withRedis('  topology: independent\n', NAMED.replace('lb_algo: wlc', 'lb_algo: rr'));
    expect(warningsAt(text, 'service.lb_algo')).to.deep.equal([]);
    expect(warningsAt(text, 'redis.topology')).to.deep.equal([]);
  });

  it('primary-replica without Sentinel: a failed primary is not replaced, and how to have it replaced', () => {
    const text = withRedis('  topology: primary-replica\n');
    const [warning] = warningsAt(text, 'redis.topology');
    expect(warning, 'a warning at redis.topology').to.not.equal(undefined);
    expect({ line: warning!.line, column: warning!.column }).to.deep.equal(
      positionOf(text, 'primary-replica'),
    );
    expect(warning!.message).to.include(
      'a failed primary is not replaced, and writes through the VIP fail until it is back',
    );
    expect(warning!.hint)
      .to.include('write sentinel: { also_on: [lb1] } under redis')
      .and.include('sentinel: false to fail over by hand');
    // What the hint says to write is accepted.
    accepted(withRedis('  topology: primary-replica\n  sentinel: { also_on: [lb1] }\n'));
    const [three] = warningsAt(threeRealServers(text), 'redis.topology');
    expect(three!.hint).to.include('write sentinel: true under redis');
  });

  it('primary-replica with Sentinel, or with sentinel: false said knowingly, does not warn', () => {
    for (const sentinel of ['{ also_on: [lb1] }', 'false']) {
      const text = withRedis(`  topology: primary-replica\n  sentinel: ${sentinel}\n`);
      expect(warningsAt(text, 'redis.topology'), sentinel).to.deep.equal([]);
    }
  });
});
