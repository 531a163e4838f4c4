import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { validateInventoryText } from '../../../src/inventory/index.js';

/**
 * One mistake per row, patched into a valid inventory: the row says where the error must point
 * (key path and the line holding `at`) and a fragment of what the user reads.
 */
const BASE = readFileSync(new URL('../../fixtures/inventories/base.yaml', import.meta.url), 'utf8');
const FILE = 'inventory.yaml';

type Edit = { replace: [string, string] } | { text: string };

interface Case {
  name: string;
  edit?: Edit | Edit[];
  env?: NodeJS.ProcessEnv;
  /** Expected error: key path, a substring of the line it must point at, and a fragment of message or hint. */
  error?: { path: string; at?: string; says: string };
  /** Expected warning: key path, a fragment of its message, and where given the line and a fragment of its hint. */
  warning?: { path: string; says: string; at?: string; hint?: string };
  /** The inventory must be accepted (warnings allowed). */
  valid?: true;
  /** A warning that must not appear. */
  noWarning?: string;
  /** Text (a secret, a terminal escape) no diagnostic may contain, in any field. */
  neverShown?: string;
}

const replace = (from: string, to: string): Edit => ({ replace: [from, to] });

const cases: Case[] = [
  { name: 'the base inventory is valid', valid: true },
  // VRRP instance
  {
    name: 'virtual_router_id 0',
    edit: replace('virtual_router_id: 51', 'virtual_router_id: 0'),
    error: { path: 'vrrp.virtual_router_id', at: 'virtual_router_id: 0', says: 'from 1 to 255' },
  },
  {
    name: 'virtual_router_id 256',
    edit: replace('virtual_router_id: 51', 'virtual_router_id: 256'),
    error: { path: 'vrrp.virtual_router_id', at: 'virtual_router_id: 256', says: 'from 1 to 255' },
  },
  {
    name: 'virtual_router_id 51.5',
    edit: replace('virtual_router_id: 51', 'virtual_router_id: 51.5'),
    error: { path: 'vrrp.virtual_router_id', at: '51.5', says: 'whole number' },
  },
  {
    name: 'advert_int 0',
    edit: replace('advert_int: 1', 'advert_int: 0'),
    error: { path: 'vrrp.advert_int', at: 'advert_int: 0', says: 'from 1 to 255' },
  },
  {
    name: 'auth_type lower case',
    edit: replace('auth_type: PASS', 'auth_type: pass'),
    error: { path: 'vrrp.auth_type', at: 'auth_type: pass', says: 'did you mean PASS' },
  },
  {
    name: 'auth_type AH is accepted without the clear-text warning',
    edit: replace('auth_type: PASS', 'auth_type: AH'),
    valid: true,
    noWarning: 'vrrp.auth_type',
  },
  {
    name: 'auth_type PASS warns that it is clear text',
    warning: { path: 'vrrp.auth_type', says: 'clear text' },
  },
  {
    name: 'auth_pass of 9 characters',
    edit: replace('{ env: LBPROV_AUTH_PASS }', '"123456789"'),
    error: { path: 'vrrp.auth_pass', at: '123456789', says: 'is 9 characters; keepalived uses at most 8' },
    neverShown: '123456789',
  },
  {
    name: 'auth_pass of 8 characters is fine for keepalived 2.2.7',
    edit: replace('{ env: LBPROV_AUTH_PASS }', '"12345678"'),
    valid: true,
  },
  {
    name: 'auth_pass of 8 characters is too long for keepalived 1.2.0',
    edit: [
      replace('{ env: LBPROV_AUTH_PASS }', '"12345678"'),
      replace('version: "2.2.7"', 'version: "1.2.0"'),
    ],
    error: { path: 'vrrp.auth_pass', at: '12345678', says: 'keepalived 1.2.0 uses at most 7' },
  },
  {
    name: 'destroy.remove_packages: true is accepted',
    edit: replace('allow_vrrp_only: false', 'allow_vrrp_only: false\ndestroy:\n  remove_packages: true'),
    valid: true,
  },
  {
    name: 'destroy.remove_packages as the text "yes"',
    edit: replace('allow_vrrp_only: false', 'allow_vrrp_only: false\ndestroy:\n  remove_packages: "yes"'),
    error: { path: 'destroy.remove_packages', at: '"yes"', says: 'expected true or false' },
  },
  {
    name: 'destroy with a misspelt key gets a suggestion',
    edit: replace('allow_vrrp_only: false', 'allow_vrrp_only: false\ndestroy:\n  remove_package: true'),
    error: { path: 'destroy.remove_package', says: 'did you mean remove_packages?' },
  },
  {
    name: 'inline auth_pass warns to use the environment',
    edit: replace('{ env: LBPROV_AUTH_PASS }', '"s3cret"'),
    warning: { path: 'vrrp.auth_pass', says: 'written in the inventory file' },
  },
  {
    name: 'auth_pass with a space',
    edit: replace('{ env: LBPROV_AUTH_PASS }', '"a b"'),
    error: { path: 'vrrp.auth_pass', at: '"a b"', says: 'keepalived.conf or a remote shell would misread' },
  },
  {
    name: 'auth_pass with a keepalived comment character',
    edit: replace('{ env: LBPROV_AUTH_PASS }', '"ab#c"'),
    error: { path: 'vrrp.auth_pass', at: 'ab#c', says: 'use letters, digits and' },
  },
  {
    name: 'auth_pass with a shell character',
    edit: replace('{ env: LBPROV_AUTH_PASS }', '"ab$(id)"'),
    error: { path: 'vrrp.auth_pass', at: 'ab$(id)', says: 'remote shell would misread' },
  },
  {
    name: 'source with a shell glob',
    edit: replace('ipvsadm_1.31.orig.tar.gz', 'ipvsadm_1.31*.tar.gz'),
    error: { path: 'ipvsadm.source', at: '1.31*', says: 'unsafe in a remote command' },
  },
  {
    name: 'a host name holding a terminal escape (clear screen) is shown escaped',
    edit: replace('192.168.56.21', '"rs1\\e[2J\\u202e"'),
    error: { path: 'real_servers[0].host', says: 'rs1\\u{1b}[2J\\u{202e}' },
    neverShown: '\u001b',
  },
  {
    name: 'an unknown key holding a carriage return and a NUL is shown escaped',
    edit: replace('allow_vrrp_only: false', 'allow_vrrp_only: false\n"x\\rY\\0": 1'),
    error: { path: 'x\\rY\\u{0}', says: 'unknown key "x\\rY\\u{0}"' },
    neverShown: '\r',
  },
  {
    name: 'a 100,000-character value is cut, with a count',
    edit: replace('192.168.56.21', 'a'.repeat(100_000)),
    error: { path: 'real_servers[0].host', says: '... (' },
    neverShown: 'a'.repeat(1000),
  },
  {
    name: 'unquoted numeric auth_pass',
    edit: replace('{ env: LBPROV_AUTH_PASS }', '1111'),
    error: {
      path: 'vrrp.auth_pass',
      at: 'auth_pass: 1111',
      says: 'put it in quotes; YAML reads it unquoted',
    },
  },
  {
    name: 'unquoted numeric auth_pass: the value is never repeated, in the message or the hint',
    edit: replace('{ env: LBPROV_AUTH_PASS }', '12345678'),
    error: { path: 'vrrp.auth_pass', at: 'auth_pass: 12345678', says: 'the password (not shown; a number)' },
    neverShown: '12345678',
  },
  {
    name: 'auth_pass env name of the wrong shape',
    edit: replace('env: LBPROV_AUTH_PASS', 'env: 1PASS'),
    error: { path: 'vrrp.auth_pass.env', at: '1PASS', says: 'not an environment variable name' },
  },
  {
    name: 'auth_pass from an environment variable that is too long',
    env: { LBPROV_AUTH_PASS: '123456789' },
    error: {
      path: 'vrrp.auth_pass.env',
      at: 'LBPROV_AUTH_PASS',
      says: 'LBPROV_AUTH_PASS (from the environment) is 9 characters',
    },
  },
  {
    name: 'auth_pass of 1 character (it could not be masked in output)',
    edit: replace('{ env: LBPROV_AUTH_PASS }', '"x"'),
    error: { path: 'vrrp.auth_pass', at: '"x"', says: 'is 1 character; lbprov needs at least 2' },
  },
  {
    name: 'auth_pass from an environment variable of 1 character',
    env: { LBPROV_AUTH_PASS: 'x' },
    error: {
      path: 'vrrp.auth_pass.env',
      at: 'LBPROV_AUTH_PASS',
      says: 'LBPROV_AUTH_PASS (from the environment) is 1 character',
    },
  },
  {
    name: 'auth_pass from an environment variable that is set and short is silent',
    env: { LBPROV_AUTH_PASS: 'abc' },
    valid: true,
    noWarning: 'vrrp.auth_pass.env',
  },
  {
    name: 'auth_pass from an unset variable warns that apply will need it',
    warning: { path: 'vrrp.auth_pass.env', says: 'is not set here' },
  },
  {
    name: 'unknown key in the auth_pass reference',
    edit: replace('env: LBPROV_AUTH_PASS', 'envv: LBPROV_AUTH_PASS'),
    error: { path: 'vrrp.auth_pass.envv', at: 'envv', says: 'did you mean env?' },
  },
  // Redis password (redis.password): one rule for the file and the environment, the value never shown
  {
    name: 'redis.manage without a password warns that Redis answers anyone on the VIP and host address',
    warning: {
      path: 'redis.manage',
      at: 'manage: true',
      says: "Redis will answer anyone who reaches the VIP or a real server's address",
      hint: 'add password: { env: LBPROV_REDIS_PASSWORD } under redis',
    },
  },
  {
    name: 'redis.manage false and no password: lbprov does not touch Redis, so no warning',
    edit: replace('manage: true', 'manage: false'),
    valid: true,
    noWarning: 'redis.manage',
  },
  {
    name: 'redis.password from a set variable of 16 characters: valid and silent',
    edit: replace('  install: false\n', '  install: false\n  password: { env: LBPROV_REDIS_PASSWORD }\n'),
    env: { LBPROV_REDIS_PASSWORD: 'Rp7-x!q2@Zz#w0$k' },
    valid: true,
    noWarning: 'redis.manage',
  },
  {
    name: 'redis.password from an unset variable warns that apply will need it',
    edit: replace('  install: false\n', '  install: false\n  password: { env: LBPROV_REDIS_PASSWORD }\n'),
    warning: { path: 'redis.password.env', says: 'LBPROV_REDIS_PASSWORD is not set here' },
  },
  {
    name: 'redis.password from a variable of 5 characters: refused, naming the variable, not the value',
    edit: replace('  install: false\n', '  install: false\n  password: { env: LBPROV_REDIS_PASSWORD }\n'),
    env: { LBPROV_REDIS_PASSWORD: 'Qx7#k' },
    error: {
      path: 'redis.password.env',
      at: 'LBPROV_REDIS_PASSWORD',
      says: 'LBPROV_REDIS_PASSWORD (from the environment) is 5 characters; a Redis password needs at least 8',
    },
    neverShown: 'Qx7#k',
  },
  {
    name: 'redis.password from a variable holding a space: the same rule as in the file',
    edit: replace('  install: false\n', '  install: false\n  password: { env: LBPROV_REDIS_PASSWORD }\n'),
    env: { LBPROV_REDIS_PASSWORD: 'Qx7#k Wv9$m' },
    error: {
      path: 'redis.password.env',
      says: 'LBPROV_REDIS_PASSWORD (from the environment) contains white space, which redis.conf would misread',
    },
    neverShown: 'Qx7#k',
  },
  {
    name: 'redis.password inline: accepted, with a warning to use the environment',
    edit: replace('  install: false\n', '  install: false\n  password: "Rp7-x!q2@Zz"\n'),
    warning: { path: 'redis.password', at: 'Rp7-x', says: 'the password is written in the inventory file' },
    neverShown: 'Rp7-x!q2@Zz',
  },
  {
    name: 'redis.password inline of 7 characters',
    edit: replace('  install: false\n', '  install: false\n  password: "Qx7#kWv"\n'),
    error: {
      path: 'redis.password',
      at: 'Qx7#kWv',
      says: 'is 7 characters; a Redis password needs at least 8',
    },
    neverShown: 'Qx7#kWv',
  },
  {
    name: 'redis.password inline of 129 characters',
    edit: replace('  install: false\n', `  install: false\n  password: "${'Qx7#'.repeat(32)}Q"\n`),
    error: { path: 'redis.password', says: 'is 129 characters; lbprov takes at most 128' },
    neverShown: 'Qx7#Qx7#',
  },
  {
    name: 'redis.password inline with a double quote (redis.conf would read a quoted string)',
    edit: replace('  install: false\n', `  install: false\n  password: 'Qx7"kWv9m'\n`),
    error: { path: 'redis.password', says: 'contains a quote, which redis.conf would misread' },
    // JSON escapes the quote, so look for the characters after it.
    neverShown: 'kWv9m',
  },
  {
    name: 'redis.password inline with a backslash',
    edit: replace('  install: false\n', "  install: false\n  password: 'Qx7\\kWv9m'\n"),
    error: { path: 'redis.password', says: 'contains a backslash' },
    neverShown: 'kWv9m',
  },
  {
    name: 'redis.password inline with a non-ASCII letter',
    edit: replace('  install: false\n', '  install: false\n  password: "Qx7ékWv9m"\n'),
    error: { path: 'redis.password', says: 'contains a control or non-ASCII character' },
    neverShown: 'Qx7ékWv9m',
  },
  {
    name: 'redis.password empty',
    edit: replace('  install: false\n', '  install: false\n  password: ""\n'),
    error: { path: 'redis.password', says: 'is empty' },
  },
  {
    name: 'redis.password unquoted number: the value is never repeated, in the message or the hint',
    edit: replace('  install: false\n', '  install: false\n  password: 123456789012\n'),
    error: { path: 'redis.password', at: 'password: 1234', says: 'the password (not shown; a number)' },
    neverShown: '123456789012',
  },
  {
    name: 'redis.password as a mapping with a misspelt key',
    edit: replace('  install: false\n', '  install: false\n  password: { evn: LBPROV_REDIS_PASSWORD }\n'),
    error: { path: 'redis.password.evn', at: 'evn', says: 'did you mean env?' },
  },
  {
    name: 'redis.password with redis.manage false warns that it is not used',
    edit: [
      replace('manage: true', 'manage: false'),
      replace('  install: false\n', '  install: false\n  password: { env: LBPROV_REDIS_PASSWORD }\n'),
    ],
    warning: {
      path: 'redis.password',
      says: 'is not used: lbprov configures Redis only with redis.manage: true',
    },
  },
  // VIP
  {
    name: 'VIP without a prefix length',
    edit: replace('vip: 192.168.56.200/24', 'vip: 192.168.56.200'),
    error: { path: 'vrrp.vip', at: 'vip:', says: 'has no prefix length' },
  },
  {
    name: 'VIP prefix 33',
    edit: replace('200/24', '200/33'),
    error: { path: 'vrrp.vip', at: 'vip:', says: 'outside 1-32' },
  },
  {
    name: 'VIP address 256 in an octet',
    edit: replace('192.168.56.200/24', '192.168.56.256/24'),
    error: { path: 'vrrp.vip', at: 'vip:', says: 'not a valid IPv4 address' },
  },
  {
    name: "VIP outside the directors' subnet",
    edit: replace('192.168.56.200/24', '10.0.0.200/24'),
    error: { path: 'directors[0].host', at: '192.168.56.10,', says: "outside the VIP's subnet 10.0.0.0/24" },
  },
  {
    name: 'VIP prefix too narrow for the directors',
    edit: replace('200/24', '200/28'),
    error: { path: 'directors[1].host', at: '192.168.56.11,', says: 'outside the VIP' },
  },
  {
    name: 'VIP the broadcast address of its subnet',
    edit: replace('192.168.56.200/24', '192.168.56.255/24'),
    error: {
      path: 'vrrp.vip',
      at: '192.168.56.255/24',
      says: 'network or broadcast address of its /24 subnet',
    },
  },
  {
    name: 'VIP a multicast address (the VRRP group itself)',
    edit: replace('192.168.56.200/24', '224.0.0.18/24'),
    error: { path: 'vrrp.vip', at: '224.0.0.18/24', says: 'is a multicast address' },
  },
  {
    name: 'a real server at 0.0.0.0',
    edit: replace('192.168.56.21', '0.0.0.0'),
    error: { path: 'real_servers[0].host', at: '0.0.0.0', says: '("this network"), not a host address' },
  },
  {
    name: 'a director on loopback',
    edit: replace('192.168.56.10,', '127.0.0.1,'),
    error: { path: 'directors[0].host', at: '127.0.0.1', says: 'is a loopback address' },
  },
  {
    name: 'the verify client a multicast address',
    edit: replace('client: 192.168.56.30', 'client: 239.1.2.3'),
    error: { path: 'verify.client', at: '239.1.2.3', says: 'is a multicast address' },
  },
  {
    name: "a director at the network address of the VIP's subnet",
    edit: replace('192.168.56.10,', '192.168.56.0,'),
    error: {
      path: 'directors[0].host',
      at: '192.168.56.0,',
      says: "network or broadcast address of the VIP's /24 subnet",
    },
  },
  {
    name: "a real server at the broadcast address of the VIP's subnet",
    edit: replace('192.168.56.21', '192.168.56.255'),
    error: {
      path: 'real_servers[0].host',
      at: '192.168.56.255',
      says: "network or broadcast address of the VIP's /24 subnet",
    },
  },
  {
    name: "the verify client at the network address of the VIP's subnet",
    edit: replace('client: 192.168.56.30', 'client: 192.168.56.0'),
    error: {
      path: 'verify.client',
      at: '192.168.56.0',
      says: "network or broadcast address of the VIP's /24",
    },
  },
  {
    name: "a real server outside the VIP's subnet at an address ending in .0 (a host in a wider subnet)",
    edit: replace('192.168.56.21', '10.8.1.0'),
    valid: true,
  },
  {
    name: "VIP is a director's own address",
    edit: replace('192.168.56.200/24', '192.168.56.10/24'),
    error: { path: 'directors[0].host', at: '192.168.56.10,', says: 'is the VIP itself' },
  },
  {
    name: "VIP is a real server's own address",
    edit: replace('192.168.56.200/24', '192.168.56.21/24'),
    error: { path: 'real_servers[0].host', at: 'host: 192.168.56.21', says: 'is the VIP itself' },
  },
  {
    name: 'VIP is the network address',
    edit: replace('192.168.56.200/24', '192.168.56.0/24'),
    error: { path: 'vrrp.vip', at: 'vip:', says: 'network or broadcast' },
  },
  // Directors
  {
    name: 'state in lower case',
    edit: replace('state: MASTER', 'state: master'),
    error: { path: 'directors[0].state', at: 'state: master', says: 'did you mean MASTER?' },
  },
  {
    name: 'two MASTERs',
    edit: replace('state: BACKUP', 'state: MASTER'),
    error: { path: 'directors[1].state', at: '192.168.56.11', says: 'second MASTER' },
  },
  {
    name: 'no MASTER',
    edit: replace('state: MASTER', 'state: BACKUP'),
    error: { path: 'directors', at: 'directors:', says: 'has no MASTER' },
  },
  {
    name: 'a MASTER without a BACKUP',
    edit: replace('  - { host: 192.168.56.11, state: BACKUP, priority: 10 }\n', ''),
    error: { path: 'directors', at: 'directors:', says: 'has no BACKUP' },
  },
  {
    name: 'priority 255',
    edit: replace('priority: 101', 'priority: 255'),
    error: { path: 'directors[0].priority', at: 'priority: 255', says: 'from 1 to 254' },
  },
  {
    name: 'priority 0',
    edit: replace('priority: 10 ', 'priority: 0 '),
    error: { path: 'directors[1].priority', at: 'priority: 0', says: 'from 1 to 254' },
  },
  {
    name: 'equal priorities',
    edit: replace('priority: 10 ', 'priority: 101 '),
    error: { path: 'directors[1].priority', at: '192.168.56.11', says: 'the same as directors[0]' },
  },
  {
    name: 'BACKUP above the MASTER',
    edit: replace('priority: 10 ', 'priority: 150 '),
    error: { path: 'directors[1].priority', at: '192.168.56.11', says: "above the MASTER's 101" },
  },
  {
    name: 'a third director as a second BACKUP is fine',
    edit: replace(
      'priority: 10 }\n',
      'priority: 10 }\n  - { host: 192.168.56.12, state: BACKUP, priority: 5 }\n',
    ),
    valid: true,
  },
  {
    name: 'director interface override with a slash',
    edit: replace('state: BACKUP,', 'interface: eth0/1, state: BACKUP,'),
    error: { path: 'directors[1].interface', at: 'eth0/1', says: 'not a network interface name' },
  },
  {
    name: 'misspelt director key',
    edit: replace('priority: 101', 'prority: 101'),
    error: { path: 'directors[0].prority', at: 'prority', says: 'did you mean priority?' },
  },
  // Hosts
  {
    name: 'directors listed as real servers (the how-to)',
    edit: replace('host: 192.168.56.21', 'host: 192.168.56.10'),
    error: { path: 'real_servers[0].host', at: 'host: 192.168.56.10, weight', says: 'two-box LVS ping-pong' },
  },
  {
    name: 'the same real server twice',
    edit: replace('host: 192.168.56.22, weight: 1', 'host: 192.168.56.21, weight: 2'),
    error: { path: 'real_servers[1].host', at: 'weight: 2', says: 'repeats real_servers[0].host' },
  },
  {
    name: 'host names compare without case',
    edit: [replace('host: 192.168.56.21', 'host: redis-a'), replace('host: 192.168.56.22', 'host: REDIS-A')],
    error: { path: 'real_servers[1].host', at: 'REDIS-A', says: 'repeats real_servers[0].host' },
  },
  {
    name: 'an octet above 255',
    edit: replace('host: 192.168.56.22', 'host: 192.168.56.300'),
    error: { path: 'real_servers[1].host', at: '192.168.56.300', says: 'not a valid IPv4 address' },
  },
  {
    name: 'a host name with shell characters',
    edit: replace('host: 192.168.56.22', 'host: "redis;reboot"'),
    error: {
      path: 'real_servers[1].host',
      at: 'redis;reboot',
      says: 'neither an IPv4 address nor a host name',
    },
  },
  {
    name: 'a DNS name is a valid host',
    edit: replace('host: 192.168.56.22', 'host: redis-2.example.com'),
    valid: true,
  },
  {
    name: 'weight -1',
    edit: replace('192.168.56.21, weight: 1', '192.168.56.21, weight: -1'),
    error: { path: 'real_servers[0].weight', at: 'weight: -1', says: 'from 0 to 65535' },
  },
  {
    name: 'weight 65536',
    edit: replace('192.168.56.22, weight: 1', '192.168.56.22, weight: 65536'),
    error: { path: 'real_servers[1].weight', at: 'weight: 65536', says: 'from 0 to 65535' },
  },
  {
    name: 'no real servers',
    edit: replace(
      'real_servers:\n  - { host: 192.168.56.21, weight: 1 }\n  - { host: 192.168.56.22, weight: 1 }',
      'real_servers: []',
    ),
    error: { path: 'real_servers', at: 'real_servers: []', says: 'at least one real server' },
  },
  {
    name: 'verify client is a real server',
    edit: replace('client: 192.168.56.30', 'client: 192.168.56.22'),
    error: { path: 'verify.client', at: 'client:', says: 'neither director nor real server' },
  },
  {
    name: 'duplicate names',
    edit: [
      replace('{ host: 192.168.56.21,', '{ name: redis, host: 192.168.56.21,'),
      replace('{ host: 192.168.56.22,', '{ name: redis, host: 192.168.56.22,'),
    ],
    error: { path: 'real_servers[1].name', at: '192.168.56.22', says: 'repeats the name of real_servers[0]' },
  },
  // Service
  {
    name: 'lb_kind NAT: refused, lbprov prepares real servers for direct routing only',
    edit: replace('lb_kind: DR', 'lb_kind: NAT'),
    error: { path: 'service.lb_kind', at: 'lb_kind: NAT', says: 'lbprov sets up direct routing only' },
  },
  {
    name: 'lb_kind TUN: refused the same way',
    edit: replace('lb_kind: DR', 'lb_kind: TUN'),
    error: { path: 'service.lb_kind', at: 'lb_kind: TUN', says: 'ipip tunnel' },
  },
  {
    name: "lb_kind dr (the how-to's case)",
    edit: replace('lb_kind: DR', 'lb_kind: dr'),
    error: { path: 'service.lb_kind', at: 'lb_kind: dr', says: 'did you mean DR?' },
  },
  {
    name: 'lb_algo typo',
    edit: replace('lb_algo: wlc', 'lb_algo: wrrr'),
    error: { path: 'service.lb_algo', at: 'lb_algo: wrrr', says: 'did you mean wrr?' },
  },
  {
    name: 'protocol in lower case',
    edit: replace('protocol: TCP', 'protocol: tcp'),
    error: { path: 'service.protocol', at: 'protocol: tcp', says: 'did you mean TCP?' },
  },
  {
    name: 'service port 70000',
    edit: replace('port: 6379', 'port: 70000'),
    error: { path: 'service.port', at: 'port: 70000', says: 'from 1 to 65535' },
  },
  {
    name: 'service port quoted',
    edit: replace('port: 6379', 'port: "6379"'),
    error: { path: 'service.port', at: 'port: "6379"', says: 'write 6379 without quotes' },
  },
  {
    name: 'delay_loop 0',
    edit: replace('delay_loop: 6', 'delay_loop: 0'),
    error: { path: 'service.delay_loop', at: 'delay_loop: 0', says: 'from 1 to 86400' },
  },
  {
    name: 'nb_get_retry from the how-to',
    edit: replace('retry: 3,', 'nb_get_retry: 3,'),
    error: { path: 'service.check.nb_get_retry', at: 'nb_get_retry', says: 'renamed nb_get_retry to retry' },
  },
  {
    name: 'nat_mask from the how-to',
    edit: replace('  delay_loop: 6\n', '  delay_loop: 6\n  nat_mask: 255.255.255.0\n'),
    error: { path: 'service.nat_mask', at: 'nat_mask', says: 'means nothing in DR mode' },
  },
  {
    name: 'rr over two writable Redis servers warns',
    edit: replace('lb_algo: wlc', 'lb_algo: rr'),
    warning: { path: 'service.lb_algo', says: 'not on the others' },
  },
  {
    name: 'rr with one serving real server does not warn',
    edit: [
      replace('lb_algo: wlc', 'lb_algo: rr'),
      replace('192.168.56.22, weight: 1', '192.168.56.22, weight: 0'),
    ],
    valid: true,
    noWarning: 'service.lb_algo',
  },
  {
    name: 'a kernel-dependent scheduler warns',
    edit: replace('lb_algo: wlc', 'lb_algo: mh'),
    warning: { path: 'service.lb_algo', says: 'ip_vs_mh' },
  },
  // SSH
  {
    name: 'ssh port 0',
    edit: replace('port: 22', 'port: 0'),
    error: { path: 'ssh.port', at: 'port: 0', says: 'from 1 to 65535' },
  },
  {
    name: 'ssh user with a semicolon',
    edit: replace('user: root', 'user: "root;id"'),
    error: { path: 'ssh.user', at: 'user:', says: 'not a safe user name' },
  },
  {
    name: 'host_key_policy outside the list',
    edit: replace('host_key_policy: strict', 'host_key_policy: ask'),
    error: { path: 'ssh.host_key_policy', at: 'host_key_policy: ask', says: 'strict, accept-new' },
  },
  {
    name: 'become: yes',
    edit: replace('become: false', 'become: yes'),
    error: { path: 'ssh.become', at: 'become: yes', says: 'write true or false' },
  },
  {
    name: 'known_hosts with ~user',
    edit: replace('~/.ssh/known_hosts', '~bob/.ssh/known_hosts'),
    error: { path: 'ssh.known_hosts', at: '~bob', says: '~user' },
  },
  {
    name: 'a per-host ssh override with an unknown key',
    edit: replace('{ host: 192.168.56.22,', '{ ssh: { usr: deploy }, host: 192.168.56.22,'),
    error: { path: 'real_servers[1].ssh.usr', at: 'usr: deploy', says: 'did you mean user?' },
  },
  // Sources
  {
    name: 'remote prefix that is relative',
    edit: replace('prefix: /usr/local/keepalived', 'prefix: usr/local/keepalived'),
    error: { path: 'keepalived.prefix', at: 'prefix:', says: 'not an absolute path' },
  },
  {
    name: 'remote prefix with a shell metacharacter',
    edit: replace('prefix: /usr/local/keepalived', 'prefix: "/opt/k;rm -rf /"'),
    error: { path: 'keepalived.prefix', at: 'prefix:', says: 'unsafe in a remote command' },
  },
  {
    name: 'remote prefix longer than PATH_MAX',
    edit: replace('prefix: /usr/local/keepalived', `prefix: /${'k/'.repeat(2048)}`),
    error: {
      path: 'keepalived.prefix',
      at: 'prefix:',
      says: 'is 4097 characters; a path on the hosts has at most 4095',
    },
  },
  {
    name: 'remote prefix with a name longer than NAME_MAX',
    edit: replace('prefix: /usr/local/keepalived', `prefix: /usr/local/${'k'.repeat(256)}`),
    error: { path: 'keepalived.prefix', at: 'prefix:', says: 'a name of 256 characters' },
  },
  {
    name: 'remote prefix of 4095 characters in names of 255',
    edit: replace(
      'prefix: /usr/local/keepalived',
      `prefix: ${`/${'k'.repeat(255)}`.repeat(15)}/${'k'.repeat(254)}`,
    ),
    valid: true,
  },
  {
    name: 'source over ftp',
    edit: replace('source: http://192.168.56.1:8000/ipvsadm', 'source: ftp://192.168.56.1/ipvsadm'),
    error: { path: 'ipvsadm.source', at: 'ftp://', says: 'only http and https' },
  },
  {
    name: 'source with a quote',
    edit: replace('keepalived_2.2.7.orig.tar.gz', "keepalived_2.2.7'.tar.gz"),
    error: { path: 'keepalived.source', at: "2.2.7'", says: 'unsafe in a remote command' },
  },
  {
    name: 'version that is not a number',
    edit: replace('version: "2.2.7"', 'version: latest'),
    error: { path: 'keepalived.version', at: 'version: latest', says: 'not a version number' },
  },
  {
    name: 'version written as a YAML number',
    edit: replace('version: "1.31"', 'version: 1.30'),
    error: { path: 'ipvsadm.version', at: 'version: 1.30', says: 'put it in quotes, "1.30"' },
  },
  {
    name: 'a source that does not mention the version warns',
    edit: replace('version: "1.31"', 'version: "1.26"'),
    warning: { path: 'ipvsadm.source', says: 'does not mention version 1.26' },
  },
  {
    name: 'sha256 too short',
    edit: replace('sha256: ""', 'sha256: abc123'),
    error: { path: 'keepalived.sha256', at: 'sha256: abc123', says: 'not a SHA-256 digest' },
  },
  { name: 'sha256 of 64 hex digits', edit: replace('sha256: ""', `sha256: ${'AB'.repeat(32)}`), valid: true },
  {
    name: 'a plain http source with an empty sha256 warns that it is built as root unverified',
    warning: {
      path: 'keepalived.source',
      at: 'source: http://192.168.56.1:8000/keepalived',
      says: 'has no keepalived.sha256: an unverified tarball downloaded over plain http will be built and installed as root',
      hint: 'pin keepalived.sha256 (e.g. with `sha256sum <tarball>`) or use an https:// source',
    },
  },
  {
    name: 'a plain http source without a sha256 key warns too',
    warning: {
      path: 'ipvsadm.source',
      at: 'source: http://192.168.56.1:8000/ipvsadm',
      says: 'has no ipvsadm.sha256: an unverified tarball',
    },
  },
  {
    name: 'an HTTP:// source in capitals is plain http all the same',
    edit: replace(
      'source: http://192.168.56.1:8000/keepalived',
      'source: HTTP://192.168.56.1:8000/keepalived',
    ),
    warning: { path: 'keepalived.source', at: 'HTTP://', says: 'unverified tarball' },
  },
  {
    name: 'a plain http source with a sha256 does not warn',
    edit: replace('sha256: ""', `sha256: ${'ab'.repeat(32)}`),
    valid: true,
    noWarning: 'keepalived.source',
  },
  {
    name: 'an https source without a sha256 does not warn',
    edit: replace('source: http://192.168.56.1:8000/ipvsadm', 'source: https://192.168.56.1:8000/ipvsadm'),
    valid: true,
    noWarning: 'ipvsadm.source',
  },
  // The file as a whole
  {
    name: 'misspelt top-level key',
    edit: replace('directors:', 'director:'),
    error: { path: 'director', at: 'director:', says: 'did you mean directors?' },
  },
  {
    name: 'missing required section',
    edit: replace('vrrp:', 'vrrp_old:'),
    error: { path: 'vrrp', says: 'is missing' },
  },
  {
    name: 'missing required field',
    edit: replace('  vip: 192.168.56.200/24\n', ''),
    error: { path: 'vrrp.vip', at: 'vrrp:', says: 'add vip: 10.8.80.200/24' },
  },
  {
    name: 'YAML syntax error',
    edit: replace('  protocol: TCP', '\tprotocol: TCP'),
    error: { path: '', at: '\tprotocol', says: 'Tabs are not allowed' },
  },
  {
    name: 'a key written twice',
    edit: replace('  delay_loop: 6\n', '  delay_loop: 6\n  delay_loop: 7\n'),
    error: { path: '', at: 'delay_loop: 7', says: 'duplicate key "delay_loop"' },
  },
  { name: 'an empty file', edit: { text: '' }, error: { path: '', says: 'is empty' } },
  {
    name: 'a file that is a list',
    edit: { text: '- a\n- b\n' },
    error: { path: '', says: 'not a mapping of sections' },
  },
];

function apply(base: string, edits: Edit | Edit[] | undefined): string {
  return ([] as Edit[]).concat(edits ?? []).reduce((text, edit) => {
    if ('text' in edit) return edit.text;
    const [from, to] = edit.replace;
    if (!text.includes(from)) throw new Error(`test bug: "${from}" is not in the inventory`);
    return text.replace(from, to);
  }, base);
}

function lineOf(text: string, fragment: string): number {
  const offset = text.indexOf(fragment);
  if (offset < 0) throw new Error(`test bug: "${fragment}" is not in the patched inventory`);
  return text.slice(0, offset).split('\n').length;
}

describe('inventory validation: one mistake at a time', () => {
  for (const c of cases) {
    it(c.name, () => {
      const text = apply(BASE, c.edit);
      const result = validateInventoryText(text, FILE, c.env ?? {});
      const shown = [...result.errors, ...result.warnings].map(
        (d) => `${d.path}@${d.line}: ${d.message} (${d.hint})`,
      );
      if (c.valid) {
        expect(result.errors, shown.join('\n')).to.deep.equal([]);
        expect(result.inventory).to.not.equal(undefined);
      }
      if (c.error) {
        const { path, at, says } = c.error;
        const match = result.errors.find(
          (d) => d.path === path && `${d.message} ${d.hint ?? ''}`.includes(says),
        );
        expect(match, `no error at ${path} saying "${says}"; got:\n${shown.join('\n')}`).to.not.equal(
          undefined,
        );
        if (at !== undefined) expect(match?.line, 'line').to.equal(lineOf(text, at));
        expect(match?.file).to.equal(FILE);
        expect(result.inventory).to.equal(undefined);
      }
      if (c.warning) {
        const { path, says, at, hint } = c.warning;
        const match = result.warnings.find((d) => d.path === path && d.message.includes(says));
        expect(match, `no warning at ${path} saying "${says}"; got:\n${shown.join('\n')}`).to.not.equal(
          undefined,
        );
        if (at !== undefined) expect(match?.line, 'line').to.equal(lineOf(text, at));
        if (hint !== undefined) expect(match?.hint).to.include(hint);
        expect(match?.severity).to.equal('warning');
      }
      if (c.neverShown !== undefined) {
        expect(JSON.stringify([...result.errors, ...result.warnings])).not.to.include(c.neverShown);
      }
      if (c.noWarning) {
        expect(result.warnings.map((w) => w.path)).to.not.include(c.noWarning);
      }
    });
  }
});
