import { expect } from 'chai';
import {
  decideDrSysctl,
  decideIpvs,
  decideKeepalivedRunning,
  decideRedisListening,
  decideRedisPing,
  decideVipOnLo,
  decideVipPing,
  decideVipPlacement,
  type IpvsExpectation,
} from '../../../src/verify/decide.js';
import type { Verdict } from '../../../src/engine/events.js';
import {
  ARP_GOOD,
  BACKUP_ADDRESSES,
  BACKUP_ADDRESSES_WITH_VIP,
  DIRECTOR_ADDRESSES_WITH_VIP,
  evidence,
  IPVSADM_LIST,
  REAL_SERVER_ADDRESSES,
  SS_REDIS,
  VIP,
} from './samples.js';

const MASTER_NO_VIP = DIRECTOR_ADDRESSES_WITH_VIP.split('\n').slice(0, 2).join('\n');
const addr = (host: string, output: string, code = 0) => evidence(host, 'ip -o -4 addr show', output, code);

describe('verify decisions', () => {
  describe('decideVipPlacement', () => {
    const cases: {
      name: string;
      lb1: string;
      lb2: string;
      unreachable?: string[];
      preempt?: boolean;
      verdict: Verdict;
      host: string;
      says: string;
    }[] = [
      {
        name: 'on the MASTER only',
        lb1: DIRECTOR_ADDRESSES_WITH_VIP,
        lb2: BACKUP_ADDRESSES,
        verdict: 'pass',
        host: 'lb1',
        says: 'on lb1 (MASTER) only, on eth0',
      },
      {
        name: 'on the BACKUP only (failed over)',
        lb1: MASTER_NO_VIP,
        lb2: BACKUP_ADDRESSES_WITH_VIP,
        verdict: 'pass',
        host: 'lb2',
        says: 'failed over (is keepalived running on lb1?)',
      },
      {
        name: 'on the BACKUP only with vrrp.preempt: false (where the failover put it)',
        lb1: MASTER_NO_VIP,
        lb2: BACKUP_ADDRESSES_WITH_VIP,
        preempt: false,
        verdict: 'pass',
        host: 'lb2',
        says: 'not on the preferred director lb1: with vrrp.preempt: false it stays',
      },
      {
        name: 'on both',
        lb1: DIRECTOR_ADDRESSES_WITH_VIP,
        lb2: BACKUP_ADDRESSES_WITH_VIP,
        verdict: 'fail',
        host: 'lb1, lb2',
        says: 'on 2 directors at once',
      },
      {
        name: 'on none',
        lb1: MASTER_NO_VIP,
        lb2: BACKUP_ADDRESSES,
        verdict: 'fail',
        host: 'lb1, lb2',
        says: 'no director holds',
      },
      {
        name: 'a director unreachable',
        lb1: DIRECTOR_ADDRESSES_WITH_VIP,
        lb2: '',
        unreachable: ['lb2'],
        verdict: 'fail',
        host: 'lb2',
        says: 'cannot tell: lb2 did not answer',
      },
    ];
    for (const c of cases) {
      it(`${c.name}: ${c.verdict}`, () => {
        const directors = [
          { name: 'lb1', state: 'MASTER' as const, addresses: addr('lb1', c.lb1) },
          ...(c.unreachable
            ? []
            : [{ name: 'lb2', state: 'BACKUP' as const, addresses: addr('lb2', c.lb2) }]),
        ];
        const check = decideVipPlacement(VIP, directors, c.unreachable ?? [], c.preempt ?? true);
        expect(check.verdict).to.equal(c.verdict);
        expect(check.host).to.equal(c.host);
        expect(check.detail).to.include(c.says);
      });
    }

    it('tells how to remove the VIP from the BACKUP when both hold it', () => {
      const check = decideVipPlacement(
        VIP,
        [
          { name: 'lb1', state: 'MASTER', addresses: addr('lb1', DIRECTOR_ADDRESSES_WITH_VIP) },
          { name: 'lb2', state: 'BACKUP', addresses: addr('lb2', BACKUP_ADDRESSES_WITH_VIP) },
        ],
        [],
        true,
      );
      expect(check.hint).to.include(`on lb2: \`ip addr del ${VIP}/24 dev eth0\``);
      expect(check.evidence.map((e) => e.host)).to.deep.equal(['lb1', 'lb2']);
    });
  });

  describe('decideKeepalivedRunning', () => {
    const cases: [string, string, number, Verdict, string][] = [
      [
        'running',
        '  812 /usr/local/keepalived/sbin/keepalived -D -p /var/run/keepalived.pid',
        0,
        'pass',
        'pid 812',
      ],
      [
        'running VRRP-only',
        '  812 keepalived -D --vrrp -p /var/run/keepalived.pid\n  813 keepalived -D --vrrp',
        0,
        'pass',
        'VRRP only',
      ],
      ['not running', '', 1, 'fail', 'no keepalived process'],
    ];
    for (const [name, output, code, verdict, says] of cases) {
      it(`${name}: ${verdict}`, () => {
        const check = decideKeepalivedRunning('lb1', evidence('lb1', 'ps', output, code));
        expect(check.verdict).to.equal(verdict);
        expect(check.detail).to.include(says);
      });
    }
  });

  describe('decideIpvs', () => {
    const expected: IpvsExpectation = {
      protocol: 'TCP',
      vip: VIP,
      port: 6379,
      forward: 'Route',
      lbKind: 'DR',
      realServers: [
        { name: 'rs1', host: '192.168.56.21' },
        { name: 'rs2', host: '192.168.56.22' },
      ],
    };
    const support = (state: string) => evidence('lb1', 'ipvs support', `ipvs=${state}: ...`);
    const table = (output: string, code = 0) => evidence('lb1', 'ipvsadm -L -n', output, code);
    const cases: {
      name: string;
      state: string;
      table: ReturnType<typeof table>;
      verdicts: Verdict[];
      says: string;
    }[] = [
      {
        name: 'service and both real servers as Route',
        state: 'present',
        table: table(IPVSADM_LIST),
        verdicts: ['pass', 'pass', 'pass'],
        says: 'TCP 192.168.56.200:6379 (rr)',
      },
      {
        name: 'a kernel without IPVS',
        state: 'absent',
        table: table('no IPVS table'),
        verdicts: ['not_provable', 'not_provable', 'not_provable'],
        says: 'not provable: this kernel has no IPVS',
      },
      {
        name: 'ip_vs not loaded',
        state: 'not-loaded',
        table: table('no IPVS table'),
        verdicts: ['fail', 'fail', 'fail'],
        says: 'not loaded',
      },
      {
        name: 'ipvsadm missing',
        state: 'present',
        table: table('sh: 1: ipvsadm: not found', 127),
        verdicts: ['fail', 'fail', 'fail'],
        says: 'ipvsadm: not found',
      },
      {
        name: 'no such service',
        state: 'present',
        table: table('TCP  10.0.0.1:6379 rr\n'),
        verdicts: ['fail', 'fail', 'fail'],
        says: 'no TCP 192.168.56.200:6379 service',
      },
      {
        name: 'rs2 removed by its health check',
        state: 'present',
        table: table(IPVSADM_LIST.replace(/.*192\.168\.56\.22.*\n/, '')),
        verdicts: ['pass', 'pass', 'fail'],
        says: 'rs2 (192.168.56.22:6379) is not in the service',
      },
      {
        name: 'rs1 forwarded by NAT',
        state: 'present',
        table: table(IPVSADM_LIST.replace('21:6379           Route', '21:6379           Masq ')),
        verdicts: ['pass', 'fail', 'pass'],
        says: 'forward type is Masq, not Route',
      },
      {
        name: 'rs1 with weight 0',
        state: 'present',
        table: table(IPVSADM_LIST.replace('21:6379           Route   1', '21:6379           Route   0')),
        verdicts: ['pass', 'fail', 'pass'],
        says: 'weight 0',
      },
    ];
    for (const c of cases) {
      it(`${c.name}: ${c.verdicts.join(', ')}`, () => {
        const checks = decideIpvs('lb1', support(c.state), c.table, expected);
        expect(checks.map((check) => check.verdict)).to.deep.equal(c.verdicts);
        expect(checks.map((check) => check.check)).to.deep.equal([
          'ipvs-service',
          'ipvs-real-server',
          'ipvs-real-server',
        ]);
        expect(checks.map((check) => check.detail).join('\n')).to.include(c.says);
      });
    }

    it('fails, never passes nor excuses, when the support probe answered nothing readable', () => {
      const checks = decideIpvs('lb1', evidence('lb1', 'x', 'garbage', 2), table(''), expected);
      expect(checks.map((check) => check.verdict)).to.deep.equal(['fail', 'fail', 'fail']);
    });
  });

  describe('decideVipOnLo', () => {
    const cases: [string, string, Verdict, string][] = [
      ['the VIP /32 on lo:0', REAL_SERVER_ADDRESSES, 'pass', '/32 on lo (label lo:0)'],
      ['no VIP', REAL_SERVER_ADDRESSES.replace(/.*lo:0.*\n/, ''), 'fail', 'is not on lo'],
      ['the VIP /24 on lo', REAL_SERVER_ADDRESSES.replace('200/32', '200/24'), 'fail', 'not /32'],
      [
        'the VIP on eth0',
        `${REAL_SERVER_ADDRESSES}\n2: eth0    inet 192.168.56.200/24 scope global secondary eth0\\ x`,
        'fail',
        'answers ARP for it there',
      ],
    ];
    for (const [name, output, verdict, says] of cases) {
      it(`${name}: ${verdict}`, () => {
        const check = decideVipOnLo('rs1', VIP, addr('rs1', output));
        expect(check.verdict).to.equal(verdict);
        expect(check.detail).to.include(says);
      });
    }
  });

  describe('decideDrSysctl', () => {
    const cases: [string, string, 'arp_ignore' | 'arp_announce' | 'rp_filter', number, Verdict, string][] = [
      ['arp_ignore set', ARP_GOOD, 'arp_ignore', 1, 'pass', 'in effect is 1 on eth0'],
      ['arp_announce set', ARP_GOOD, 'arp_announce', 2, 'pass', 'in effect is 2 on eth0'],
      [
        'arp_ignore reset on all',
        ARP_GOOD.replace('all/arp_ignore:1', 'all/arp_ignore:0'),
        'arp_ignore',
        1,
        'fail',
        'on eth0 is 0 (all=0, eth0=0), not 1',
      ],
      [
        'arp_announce reset on all',
        ARP_GOOD.replace('all/arp_announce:2', 'all/arp_announce:0'),
        'arp_announce',
        2,
        'fail',
        'not 2',
      ],
      ['unreadable', 'grep: no such file', 'arp_ignore', 1, 'fail', 'cannot read'],
      [
        'rp_filter loose on all, strict on eth0: loose wins',
        ARP_GOOD,
        'rp_filter',
        2,
        'pass',
        'in effect is 2 on eth0',
      ],
      [
        'rp_filter strict',
        ARP_GOOD.replace('all/rp_filter:2', 'all/rp_filter:0'),
        'rp_filter',
        2,
        'fail',
        'on eth0 is 1 (all=0, eth0=1), not 2: a strict reverse-path filter drops',
      ],
    ];
    for (const [name, output, key, value, verdict, says] of cases) {
      it(`${name}: ${verdict}`, () => {
        const check = decideDrSysctl('rs1', key, value, evidence('rs1', 'grep', output));
        expect(check.verdict).to.equal(verdict);
        expect(check.detail).to.include(says);
      });
    }
  });

  describe('decideRedisListening', () => {
    const server = { name: 'rs1', host: '192.168.56.21' };
    const running = evidence('rs1', 'ps', ' 4711 /usr/bin/redis-server 127.0.0.1:6379');
    const stopped = evidence('rs1', 'ps', '', 1);
    const cases: [string, string, typeof running, Verdict, string][] = [
      ['bound to host, VIP and loopback', SS_REDIS, running, 'pass', '192.168.56.200:6379'],
      [
        'bound to loopback only',
        'LISTEN 0 511 127.0.0.1:6379 0.0.0.0:*',
        running,
        'fail',
        'runs but does not listen on 192.168.56.21:6379 or 192.168.56.200:6379',
      ],
      [
        'stopped',
        'State Recv-Q Send-Q Local Address:Port Peer Address:Port',
        stopped,
        'fail',
        'redis-server is not running',
      ],
    ];
    for (const [name, output, processes, verdict, says] of cases) {
      it(`${name}: ${verdict}`, () => {
        const check = decideRedisListening(server, VIP, 6379, {
          listening: evidence('rs1', 'ss', output),
          processes,
          addresses: addr('rs1', REAL_SERVER_ADDRESSES),
        });
        expect(check.verdict).to.equal(verdict);
        expect(check.detail).to.include(says);
      });
    }

    it('stands for a host named by DNS with the addresses it holds', () => {
      const check = decideRedisListening({ name: 'rs1', host: 'redis-1.example.org' }, VIP, 6379, {
        listening: evidence('rs1', 'ss', SS_REDIS),
        processes: running,
        addresses: addr('rs1', REAL_SERVER_ADDRESSES),
      });
      expect(check.verdict).to.equal('pass');
    });
  });

  describe('pings from the client', () => {
    const ping = (output: string, code = 0) =>
      evidence('192.168.56.30', 'timeout 5 redis-cli ... ping', output, code);
    const cases: [string, ReturnType<typeof ping>, Verdict, string][] = [
      ['PONG', ping('PONG'), 'pass', 'PONG'],
      ['a password-protected Redis', ping('NOAUTH Authentication required.'), 'pass', 'requires a password'],
      [
        'refused',
        ping('Could not connect to Redis at 192.168.56.21:6379: Connection refused', 1),
        'fail',
        'Connection refused',
      ],
      ['silence', ping('', 124), 'fail', 'no answer within 5s'],
      [
        'no redis-cli',
        ping('timeout: failed to run command ‘redis-cli’: No such file or directory', 127),
        'fail',
        'cannot run the check',
      ],
    ];
    for (const [name, result, verdict, says] of cases) {
      it(`to a real server, ${name}: ${verdict}`, () => {
        const check = decideRedisPing({ name: 'rs1', host: '192.168.56.21' }, 6379, result);
        expect(check.verdict).to.equal(verdict);
        expect(check.host).to.equal('rs1');
        expect(check.detail).to.include(says);
      });
    }

    const noIpvs = evidence('lb1', 'ipvs support', 'ipvs=absent: no /proc/net/ip_vs');
    const withIpvs = evidence('lb1', 'ipvs support', 'ipvs=present: /proc/net/ip_vs exists');
    const viaVip: [
      string,
      ReturnType<typeof ping>,
      { name: string; ipvs: typeof noIpvs }[],
      Verdict,
      string,
    ][] = [
      [
        'PONG through a director with IPVS',
        ping('PONG'),
        [{ name: 'lb1', ipvs: withIpvs }],
        'pass',
        'PONG through the VIP',
      ],
      [
        'refused by a director with IPVS',
        ping('Connection refused', 1),
        [{ name: 'lb1', ipvs: withIpvs }],
        'fail',
        'Connection refused',
      ],
      [
        'a VRRP-only director, even if something answered',
        ping('PONG'),
        [{ name: 'lb1', ipvs: noIpvs }],
        'not_provable',
        'in VRRP-only mode the VIP sits on lb1, which does not forward',
      ],
      ['nobody holding the VIP', ping('No route to host', 1), [], 'fail', 'no director holds the VIP'],
    ];
    for (const [name, result, holders, verdict, says] of viaVip) {
      it(`through the VIP, ${name}: ${verdict}`, () => {
        const check = decideVipPing(VIP, 6379, result, holders);
        expect(check.verdict).to.equal(verdict);
        expect(check.detail).to.include(says);
      });
    }
  });
});
