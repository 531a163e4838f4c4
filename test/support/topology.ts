// The labs' hosts for the tests and the benchmarks: lab/topology, read by the same rules as
// lab/common.sh's load_topology and set_topology (test/unit/lab-topology.test.ts holds the two
// readers to each other for several sizes), and the hosts of the namespace lab that is up, as
// lab.sh wrote them to its run dir's `topology` file ("name address role" per line).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TOPOLOGY_FILE = resolve(REPO, 'lab', 'topology');

export const ROLES = ['director', 'real_server', 'client'] as const;
export type Role = (typeof ROLES)[number];

export interface TopologyHost {
  name: string;
  address: string;
  role: Role;
}

export interface Topology {
  /** The lab's /24 as its first three octets, e.g. 192.168.56. */
  subnet: string;
  prefixLength: 24;
  /** This machine on the lab bridge: the artifact server and the apt proxy. */
  control: string;
  /** The virtual address the directors hand between them. */
  vip: string;
  /** In the labs' order (lab/topology's, the real servers where its base real servers are). */
  hosts: TopologyHost[];
  /** How many real servers the labs run by default: the base hosts' (the Vagrant lab's). */
  defaultRealServers: number;
  /** The most `lab.sh up --real-servers N` takes: the base real servers plus the free octets. */
  maxRealServers: number;
}

interface BaseHost {
  name: string;
  octet: number;
  role: Role;
}

/** lab/topology as written: octets, not yet addresses. */
export interface TopologySpec {
  subnet: string;
  control: number;
  vip: number;
  hosts: BaseHost[];
  more: { prefix: string; first: number; last: number };
}

const OCTET = /^[1-9][0-9]{0,2}$/;

function octet(value: string | undefined): number | undefined {
  return value !== undefined && OCTET.test(value) && Number(value) <= 254 ? Number(value) : undefined;
}

/** Parses lab/topology's text; throws with file:line on anything lab/common.sh would refuse. */
export function parseTopology(text: string, file = TOPOLOGY_FILE): TopologySpec {
  let subnet: string | undefined;
  let control: number | undefined;
  let vip: number | undefined;
  let more: TopologySpec['more'] | undefined;
  const hosts: BaseHost[] = [];
  text.split('\n').forEach((raw, index) => {
    const where = `${file}:${index + 1}`;
    const line = raw.replace(/#.*/, '');
    // Fields as bash's read splits them (spaces and tabs; a carriage return stays, and is refused).
    const [key, a, b, c, ...extra] = line.split(/[ \t]+/).filter(Boolean);
    if (key === undefined) return;
    const bad = (expected: string): never => {
      throw new Error(`${where}: '${expected}' expected, not '${line.trim()}'`);
    };
    switch (key) {
      case 'network': {
        const match = /^(\d{1,3}\.\d{1,3}\.\d{1,3})\.0\/24$/.exec(a ?? '');
        if (!match || b !== undefined) bad('network <a.b.c.0/24>');
        subnet = match![1];
        break;
      }
      case 'control':
      case 'vip': {
        const value = octet(a);
        if (value === undefined || b !== undefined) bad(`${key} <octet 1-254>`);
        if (key === 'control') control = value;
        else vip = value;
        break;
      }
      case 'host': {
        const value = octet(b);
        if (
          extra.length > 0 ||
          !/^[a-z][a-z0-9-]*$/.test(a ?? '') ||
          value === undefined ||
          !(ROLES as readonly string[]).includes(c ?? '')
        )
          bad('host <name> <octet 1-254> <director|real_server|client>');
        if (hosts.some((host) => host.name === a)) throw new Error(`${where}: host ${a} is listed twice`);
        hosts.push({ name: a!, octet: value!, role: c as Role });
        break;
      }
      case 'more_real_servers': {
        const first = octet(b);
        const last = octet(c);
        if (
          extra.length > 0 ||
          !/^[a-z][a-z-]*$/.test(a ?? '') ||
          first === undefined ||
          last === undefined ||
          first > last
        )
          bad('more_real_servers <name prefix> <first octet> <last octet>');
        more = { prefix: a!, first: first!, last: last! };
        break;
      }
      default:
        throw new Error(`${where}: unknown entry '${key}' (network, control, vip, host, more_real_servers)`);
    }
  });
  if (subnet === undefined || control === undefined || vip === undefined || more === undefined)
    throw new Error(`${file}: network, control, vip and more_real_servers are each needed once`);
  const realServers = hosts.filter((host) => host.role === 'real_server');
  if (realServers.length === 0) throw new Error(`${file}: no host with the role real_server`);
  const used = new Map<number, string>([[control, 'control']]);
  for (const [name, value] of [['VIP', vip] as const, ...hosts.map((h) => [h.name, h.octet] as const)]) {
    const other = used.get(value);
    if (other !== undefined) throw new Error(`${file}: ${name}'s octet ${value} is also the ${other}'s`);
    used.set(value, name);
  }
  realServers.forEach((host, i) => {
    if (host.name !== `${more!.prefix}${i + 1}`)
      throw new Error(
        `${file}: real server ${host.name}: the real servers must be ${more!.prefix}1, ${more!.prefix}2, ... in order`,
      );
  });
  const firstReal = hosts.indexOf(realServers[0]!);
  if (hosts.slice(firstReal, firstReal + realServers.length).some((host) => host.role !== 'real_server'))
    throw new Error(`${file}: the real servers must be listed one after the other`);
  return { subnet, control, vip, hosts, more };
}

function takenOctets(spec: TopologySpec): Set<number> {
  return new Set([spec.control, spec.vip, ...spec.hosts.map((host) => host.octet)]);
}

/** The hosts of a lab of `realServers` real servers, as lab/common.sh's set_topology lists them. */
export function expandTopology(
  spec: TopologySpec,
  options: { realServers?: number; subnet?: string } = {},
): Topology {
  const subnet = options.subnet ?? spec.subnet;
  if (!/^\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(subnet))
    throw new Error(`the lab subnet must be three octets, e.g. ${spec.subnet}, not '${subnet}'`);
  const base = spec.hosts.filter((host) => host.role === 'real_server');
  const taken = takenOctets(spec);
  const free: number[] = [];
  for (let o = spec.more.first; o <= spec.more.last; o += 1) if (!taken.has(o)) free.push(o);
  const defaultRealServers = base.length;
  const maxRealServers = base.length + free.length;
  const count = options.realServers ?? defaultRealServers;
  if (!Number.isInteger(count) || count < 1 || count > maxRealServers)
    throw new Error(`the lab runs 1 to ${maxRealServers} real servers (lab/topology), not '${count}'`);
  const address = (value: number) => `${subnet}.${value}`;
  const hosts: TopologyHost[] = [];
  let placed = false;
  for (const host of spec.hosts) {
    if (host.role !== 'real_server') {
      hosts.push({ name: host.name, address: address(host.octet), role: host.role });
      continue;
    }
    if (placed) continue;
    placed = true;
    for (let i = 1; i <= count; i += 1) {
      const octetOf = i <= base.length ? base[i - 1]!.octet : free[i - base.length - 1]!;
      hosts.push({ name: `${spec.more.prefix}${i}`, address: address(octetOf), role: 'real_server' });
    }
  }
  return {
    subnet,
    prefixLength: 24,
    control: address(spec.control),
    vip: address(spec.vip),
    hosts,
    defaultRealServers,
    maxRealServers,
  };
}

/**
 * lab/topology for a lab of `realServers` real servers (default: the base hosts'), on `subnet`
 * (three octets; default: the file's), as `bash lab/lab.sh topology --real-servers N` prints it.
 */
export function readTopology(options: { realServers?: number; subnet?: string } = {}): Topology {
  return expandTopology(parseTopology(readFileSync(TOPOLOGY_FILE, 'utf8')), options);
}

/** "name address role" per line: the run dir's `topology` file and `lab.sh topology`. */
export function formatHosts(hosts: readonly TopologyHost[]): string {
  return hosts.map((host) => `${host.name} ${host.address} ${host.role}\n`).join('');
}

/** The hosts of the namespace lab that is up, as lab.sh wrote them to `<runDir>/topology`. */
export function runningLabHosts(runDir: string): TopologyHost[] {
  return readFileSync(resolve(runDir, 'topology'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [name = '', address = '', role = ''] = line.split(' ');
      if (!(ROLES as readonly string[]).includes(role))
        throw new Error(`${resolve(runDir, 'topology')}: '${line}' is no "name address role" line`);
      return { name, address, role: role as Role };
    });
}

/**
 * The names the lab tests (namespace and Vagrant) call the base hosts by; their addresses and roles
 * are lab/topology's. Refuses a topology whose base hosts are named otherwise.
 */
export const TEST_HOST_NAMES = ['lb1', 'lb2', 'rs1', 'rs2', 'client'] as const;
export type LabHost = (typeof TEST_HOST_NAMES)[number];

export function testHostAddresses(topology: Topology): Readonly<Record<LabHost, string>> {
  const names = topology.hosts.map((host) => host.name);
  if (names.join(' ') !== TEST_HOST_NAMES.join(' ')) {
    throw new Error(
      `${TOPOLOGY_FILE} lists the hosts ${names.join(' ')}; the lab tests are written for ${TEST_HOST_NAMES.join(' ')}`,
    );
  }
  return Object.fromEntries(topology.hosts.map((host) => [host.name, host.address])) as Record<
    LabHost,
    string
  >;
}
