import { expect } from 'chai';
import type { Inventory } from '../../../src/model/inventory.js';
import { renderKeepalivedConf, type KeepalivedSyntax } from '../../../src/render/keepalived-conf.js';
import { REDIS_CHECK_PATH } from '../../../src/render/redis-check.js';
import { director, seedInventory } from './fixtures.js';
import { expectGolden } from './golden.js';

const authPass = '1111';

function withRedis(
  redis: Partial<Inventory['redis']>,
  service: Partial<Inventory['service']> = {},
): Inventory {
  return {
    ...seedInventory,
    service: {
      ...seedInventory.service,
      ...service,
      check: { ...seedInventory.service.check, ...service.check, type: 'redis' },
    },
    redis: { ...seedInventory.redis, ...redis },
  };
}

const independent = withRedis({ topology: 'independent' });
const primaryReplica = withRedis({ topology: 'primary-replica', read_port: 6380 });

function render(inv: Inventory, syntax: KeepalivedSyntax): string {
  return renderKeepalivedConf(inv, director('MASTER'), { authPass, syntax });
}

/** The lines keepalived parses: comments and blank lines dropped. */
function configLines(conf: string): string[] {
  return conf
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('!'));
}

/** What misc_path runs for each real server, per virtual server (`<vip> <port>`). */
function checksByVirtualServer(conf: string): Record<string, string[]> {
  const checks: Record<string, string[]> = {};
  let current = '';
  for (const line of configLines(conf)) {
    const server = /^virtual_server (\S+ \d+) \{$/.exec(line);
    if (server?.[1]) current = server[1];
    const path = /^misc_path "(.*)"$/.exec(line);
    if (path?.[1]) (checks[current] ??= []).push(path[1]);
  }
  return checks;
}

describe('renderKeepalivedConf with the Redis check', () => {
  for (const syntax of ['1.2', '2'] as const) {
    it(`matches the golden files for keepalived ${syntax} syntax`, () => {
      expectGolden(`keepalived-master-${syntax}-redis-independent.conf`, render(independent, syntax));
      expectGolden(`keepalived-master-${syntax}-redis-primary-replica.conf`, render(primaryReplica, syntax));
    });
  }

  it('asks any Redis for PONG, without a role, for independent servers', () => {
    expect(checksByVirtualServer(render(independent, '2'))).to.deep.equal({
      '10.8.80.200 6379': [
        `${REDIS_CHECK_PATH} -t 3 10.8.80.221 6379`,
        `${REDIS_CHECK_PATH} -t 3 10.8.80.222 6379`,
      ],
    });
  });

  it('sends the service port to the primary only and read_port to replicas in sync, over every real server', () => {
    expect(checksByVirtualServer(render(primaryReplica, '2'))).to.deep.equal({
      '10.8.80.200 6379': [
        `${REDIS_CHECK_PATH} -t 3 10.8.80.221 6379 master`,
        `${REDIS_CHECK_PATH} -t 3 10.8.80.222 6379 master`,
      ],
      // LVS-DR keeps the port: the real servers take read_port and hand it to Redis themselves.
      '10.8.80.200 6380': [
        `${REDIS_CHECK_PATH} -t 3 10.8.80.221 6380 replica`,
        `${REDIS_CHECK_PATH} -t 3 10.8.80.222 6380 replica`,
      ],
    });
    const realServers = configLines(render(primaryReplica, '2')).filter((line) =>
      line.startsWith('real_server'),
    );
    expect(realServers).to.deep.equal([
      'real_server 10.8.80.221 6379 {',
      'real_server 10.8.80.222 6379 {',
      'real_server 10.8.80.221 6380 {',
      'real_server 10.8.80.222 6380 {',
    ]);
  });

  it('writes one virtual server without read_port', () => {
    const lines = configLines(render(withRedis({ topology: 'primary-replica' }), '2'));
    expect(lines.filter((line) => line.startsWith('virtual_server'))).to.deep.equal([
      'virtual_server 10.8.80.200 6379 {',
    ]);
  });

  it('gives keepalived connect_timeout plus 2 s, and the check connect_timeout, from the inventory', () => {
    const slow = withRedis(
      { topology: 'independent' },
      {
        check: { type: 'redis', connect_timeout: 5, retry: 2, delay_before_retry: 4 },
      },
    );
    const lines = configLines(render(slow, '2'));
    const start = lines.indexOf('MISC_CHECK {');
    expect(lines.slice(start, start + 6)).to.deep.equal([
      'MISC_CHECK {',
      `misc_path "${REDIS_CHECK_PATH} -t 5 10.8.80.221 6379"`,
      'misc_timeout 7',
      'retry 2',
      'delay_before_retry 4',
      '}',
    ]);
  });

  it('writes no retry keyword in 1.2 syntax, whose MISC_CHECK has none', () => {
    const lines = configLines(render(primaryReplica, '1.2'));
    expect(lines.filter((line) => /retry/.test(line))).to.deep.equal([]);
    expect(lines.filter((line) => /TCP_CHECK|script_security|script_user/.test(line))).to.deep.equal([]);
  });

  it('enables script security with root as the script user in 2 syntax, in global_defs', () => {
    const lines = configLines(render(independent, '2'));
    const end = lines.indexOf('}');
    expect(lines.slice(0, end)).to.include.members(['enable_script_security', 'script_user root']);
    expect(lines).not.to.include('TCP_CHECK {');
  });

  it('quotes misc_path as one string holding no character keepalived reads specially', () => {
    for (const syntax of ['1.2', '2'] as const) {
      const paths = configLines(render(primaryReplica, syntax)).filter((line) =>
        line.startsWith('misc_path'),
      );
      expect(paths).to.have.length(4);
      for (const line of paths) expect(line).to.match(/^misc_path "[^"#!\\']+"$/);
    }
  });

  it('keeps TCP_CHECK and no script security for check.type tcp', () => {
    const tcp = {
      ...primaryReplica,
      service: { ...primaryReplica.service, check: seedInventory.service.check },
    };
    const lines = configLines(render(tcp, '2'));
    expect(lines.filter((line) => /MISC_CHECK|script_security|virtual_server/.test(line))).to.deep.equal([
      'virtual_server 10.8.80.200 6379 {',
    ]);
  });
});
