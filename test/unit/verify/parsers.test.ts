import { expect } from 'chai';
import { findAddress, parseIpAddr } from '../../../src/verify/ip-addr.js';
import { connectionState, IpvsadmParseError, parseIpvsadmList } from '../../../src/verify/ipvsadm.js';
import { listensOn, parseSsListening } from '../../../src/verify/listening.js';
import { effectiveOnInterfaces, parseConfSysctls } from '../../../src/verify/sysctl.js';
import { parseIpvsSupport } from '../../../src/verify/ipvs-support.js';
import {
  ARP_GOOD,
  DIRECTOR_ADDRESSES_WITH_VIP,
  IPVSADM_LIST,
  REAL_SERVER_ADDRESSES,
  SS_REDIS,
  VIP,
} from './samples.js';

describe('verify parsers', () => {
  describe('parseIpAddr (ip -o addr show)', () => {
    const cases: {
      name: string;
      output: string;
      vip: { interface: string; prefixLength: number; label?: string }[];
    }[] = [
      {
        name: 'a director holding the VIP on eth0',
        output: DIRECTOR_ADDRESSES_WITH_VIP,
        vip: [{ interface: 'eth0', prefixLength: 24, label: 'eth0' }],
      },
      {
        name: 'a real server holding the VIP on lo:0',
        output: REAL_SERVER_ADDRESSES,
        vip: [{ interface: 'lo', prefixLength: 32, label: 'lo:0' }],
      },
      {
        name: 'a veth whose name carries its peer',
        output:
          '7: eth0@if8    inet 192.168.56.200/24 scope global secondary eth0:vip\\       valid_lft forever',
        vip: [{ interface: 'eth0', prefixLength: 24, label: 'eth0:vip' }],
      },
      {
        name: 'an address that only starts like the VIP',
        output:
          '2: eth0    inet 192.168.56.2000/24 scope global eth0\\ x\n2: eth0    inet 192.168.56.20/24 scope global eth0',
        vip: [],
      },
      { name: 'no output', output: '', vip: [] },
    ];
    for (const { name, output, vip } of cases) {
      it(name, () => {
        const found = findAddress(parseIpAddr(output), VIP).map((entry) => ({
          interface: entry.interface,
          prefixLength: entry.prefixLength,
          ...(entry.label ? { label: entry.label } : {}),
        }));
        expect(found).to.deep.equal(vip);
      });
    }

    it('reads IPv6 lines without a label', () => {
      expect(parseIpAddr('2: eth0    inet6 fe80::1/64 scope link \\       valid_lft forever')).to.deep.equal([
        { interface: 'eth0', family: 'inet6', address: 'fe80::1', prefixLength: 64 },
      ]);
    });
  });

  describe('parseIpvsadmList (ipvsadm -L -n)', () => {
    it('reads services and their real servers with forward type and weight', () => {
      const services = parseIpvsadmList(IPVSADM_LIST);
      expect(services.map((s) => [s.protocol, s.address, s.port, s.scheduler, s.flags])).to.deep.equal([
        ['TCP', VIP, 6379, 'rr', ''],
        ['UDP', '10.0.0.5', 53, 'wlc', 'persistent 50'],
      ]);
      expect(services[0]?.realServers).to.deep.equal([
        {
          address: '192.168.56.21',
          port: 6379,
          forward: 'Route',
          weight: 1,
          activeConnections: 0,
          inactiveConnections: 0,
        },
        {
          address: '192.168.56.22',
          port: 6379,
          forward: 'Route',
          weight: 1,
          activeConnections: 3,
          inactiveConnections: 12,
        },
      ]);
      expect(services[1]?.realServers[0]?.forward).to.equal('Masq');
    });

    const tables: [string, string, number][] = [
      [
        'an empty table',
        'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n',
        0,
      ],
      ['a service without real servers', 'TCP  10.0.0.1:6379 rr\n', 1],
      ['an IPv6 service', 'TCP  [2001:db8::1]:6379 rr\n  -> [2001:db8::2]:6379  Route 1 0 0\n', 1],
      ['a firewall-mark service', 'FWM  1 rr\n  -> 10.0.0.2:6379  Route 1 0 0\n', 1],
    ];
    for (const [name, output, count] of tables) {
      it(`reads ${name}`, () => expect(parseIpvsadmList(output)).to.have.length(count));
    }

    it('reads an IPv6 endpoint without its brackets', () => {
      expect(parseIpvsadmList(tables[2]![1])[0]?.realServers[0]?.address).to.equal('2001:db8::2');
    });

    for (const [name, output] of [
      ['a real server before any service', '  -> 10.0.0.2:6379  Route 1 0 0\n'],
      ['an error message', "Can't initialize ipvs: Protocol not available\n"],
    ]) {
      it(`refuses ${name}`, () => expect(() => parseIpvsadmList(output!)).to.throw(IpvsadmParseError));
    }
  });

  describe('connectionState (ipvsadm -L -n -c)', () => {
    const table = [
      'IPVS connection entries',
      'pro expire state       source             virtual            destination',
      'TCP 14:59  ESTABLISHED 192.168.56.30:49748 192.168.56.200:6379 192.168.56.22:6379',
      'TCP 01:59  FIN_WAIT    192.168.56.30:49762 192.168.56.200:6379 192.168.56.21:6379',
      'TCP 14:50  ESTABLISHED 192.168.56.30:49744 192.168.56.200:6380 192.168.56.21:6380',
    ].join('\n');
    const service = { protocol: 'TCP', address: '192.168.56.200', port: 6379 };

    it("finds a connection by the client's port", () => {
      expect(connectionState(table, service, 49748)).to.equal('ESTABLISHED');
      expect(connectionState(table, service, 49762)).to.equal('FIN_WAIT');
    });

    it("does not take another service's connection, nor a port it does not list", () => {
      expect(connectionState(table, service, 49744)).to.equal(undefined);
      expect(connectionState(table, service, 6379)).to.equal(undefined);
    });
  });

  describe('parseConfSysctls and effectiveOnInterfaces', () => {
    const cases: [string, string, string, { interface: string; effective: number }[] | undefined][] = [
      ['all=1 wins over eth0=0', ARP_GOOD, 'arp_ignore', [{ interface: 'eth0', effective: 1 }]],
      ['arp_announce likewise', ARP_GOOD, 'arp_announce', [{ interface: 'eth0', effective: 2 }]],
      [
        'all reset to 0 leaves eth0 at its own 0',
        ARP_GOOD.replace('all/arp_ignore:1', 'all/arp_ignore:0'),
        'arp_ignore',
        [{ interface: 'eth0', effective: 0 }],
      ],
      [
        'an interface set higher than all',
        ARP_GOOD.replace('eth0/arp_ignore:0', 'eth0/arp_ignore:2'),
        'arp_ignore',
        [{ interface: 'eth0', effective: 2 }],
      ],
      ['no `all` value', '/proc/sys/net/ipv4/conf/eth0/arp_ignore:1', 'arp_ignore', undefined],
      [
        'an error message',
        'grep: /proc/sys/net/ipv4/conf/*/arp_ignore: No such file',
        'arp_ignore',
        undefined,
      ],
    ];
    for (const [name, output, key, expected] of cases) {
      it(name, () => {
        const effective = effectiveOnInterfaces(parseConfSysctls(output), key);
        expect(
          effective?.map(({ interface: device, effective: value }) => ({
            interface: device,
            effective: value,
          })),
        ).to.deep.equal(expected);
      });
    }
  });

  describe('parseSsListening and listensOn', () => {
    const cases: [string, string, string, boolean][] = [
      ['Redis bound to the VIP', SS_REDIS, VIP, true],
      ['Redis bound to the host address', SS_REDIS, '192.168.56.21', true],
      ['an address it is not bound to', SS_REDIS, '192.168.56.22', false],
      ['a wildcard bind', 'LISTEN 0 511 0.0.0.0:6379 0.0.0.0:*', VIP, true],
      ['a dual-stack wildcard', 'LISTEN 0 511 *:6379 *:*', VIP, true],
      ['an IPv6-only wildcard', 'LISTEN 0 511 [::]:6379 [::]:*', VIP, false],
      ['another port', 'LISTEN 0 511 0.0.0.0:6380 0.0.0.0:*', VIP, false],
      ['nothing listening', 'State Recv-Q Send-Q Local Address:Port Peer Address:Port', VIP, false],
    ];
    for (const [name, output, address, expected] of cases) {
      it(`${name}: ${expected}`, () =>
        expect(listensOn(parseSsListening(output), address, 6379)).to.equal(expected));
    }

    it('drops the interface scope ss prints', () => {
      expect(parseSsListening('LISTEN 0 4096 127.0.0.53%lo:53 0.0.0.0:*')).to.deep.equal([
        { address: '127.0.0.53', port: 53 },
      ]);
    });
  });

  describe('parseIpvsSupport', () => {
    const cases: [string, string | undefined][] = [
      ['ipvs=present: /proc/net/ip_vs exists', 'present'],
      ['ipvs=not-loaded: the ip_vs module exists but is not loaded', 'not-loaded'],
      ['ipvs=absent: no /proc/net/ip_vs and no ip_vs module for kernel 6.1.0', 'absent'],
      ['sh: 1: modprobe: not found', undefined],
      ['', undefined],
    ];
    for (const [output, expected] of cases) {
      it(`${JSON.stringify(output)} -> ${expected}`, () =>
        expect(parseIpvsSupport(output)).to.equal(expected));
    }
  });
});
