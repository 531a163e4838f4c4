// The lab inventories and lab/topology. inventory/lab.yaml and inventory/lab-current.yaml are what
// labInventoryText makes of them and lab/topology (test/unit/lab-topology.test.ts checks it, byte
// for byte: the generator keeps each file's versions, options and comments and writes the
// topology's names and addresses into it). The scaled lab's inventory (test/lab/80-scale,
// bench/scale.ts) is the same generator on the hosts that came up. And inventory/lab.yaml with
// stand-in key files, for tests that stop before any host is contacted.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { readTopology, type Topology, type TopologyHost } from './topology.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The inventories generated from lab/topology (their other content is their own). */
export const LAB_INVENTORY_FILES = ['inventory/lab.yaml', 'inventory/lab-current.yaml'].map((file) =>
  resolve(REPO, file),
);

/** Sets a scalar in place, so that its comments and style stay. */
function setScalar(document: Document, path: (string | number)[], value: string): void {
  const node = document.getIn(path, true);
  if (isScalar(node)) node.value = value;
  else throw new Error(`the inventory has no value at ${path.join('.')}`);
}

function onlyOne(hosts: TopologyHost[], role: string): TopologyHost {
  const [host, ...others] = hosts.filter((h) => h.role === role);
  if (!host || others.length > 0) throw new Error(`the lab inventory needs exactly one ${role} host`);
  return host;
}

/**
 * `template` (a lab inventory's text) with `topology`'s names and addresses: the directors' names
 * and hosts (in order; their state and priority are the template's), the real servers (each with
 * the template's first weight), verify.client, the VIP (/prefix length) and the control address
 * in the tarballs' URLs. Everything else, comments included, stays as it is.
 */
export function labInventoryText(template: string, topology: Topology): string {
  const document = parseDocument(template);
  const directors = topology.hosts.filter((host) => host.role === 'director');
  const realServers = topology.hosts.filter((host) => host.role === 'real_server');
  const templateDirectors = document.get('directors');
  if (!isSeq(templateDirectors) || templateDirectors.items.length !== directors.length)
    throw new Error(`the lab inventory must list ${directors.length} directors, as lab/topology does`);
  directors.forEach((host, i) => {
    setScalar(document, ['directors', i, 'name'], host.name);
    setScalar(document, ['directors', i, 'host'], host.address);
  });
  const templateRealServers = document.get('real_servers');
  if (!isSeq(templateRealServers) || !isMap(templateRealServers.items[0]))
    throw new Error('the lab inventory has no real_servers to follow');
  if (templateRealServers.items.length === realServers.length) {
    realServers.forEach((host, i) => {
      setScalar(document, ['real_servers', i, 'name'], host.name);
      setScalar(document, ['real_servers', i, 'host'], host.address);
    });
  } else {
    const weight = document.getIn(['real_servers', 0, 'weight']) ?? 1;
    document.set(
      'real_servers',
      realServers.map((host) => ({ name: host.name, host: host.address, weight })),
    );
  }
  setScalar(document, ['verify', 'client'], onlyOne(topology.hosts, 'client').address);
  setScalar(document, ['vrrp', 'vip'], `${topology.vip}/${topology.prefixLength}`);
  for (const tarball of ['keepalived', 'ipvsadm']) {
    const url = new URL(String(document.getIn([tarball, 'source'])));
    url.hostname = topology.control;
    setScalar(document, [tarball, 'source'], url.href);
  }
  return document.toString();
}

/** A lab inventory as labInventoryText makes it from lab/topology's base hosts. */
export function generatedLabInventory(file: string): string {
  return labInventoryText(readFileSync(file, 'utf8'), readTopology());
}

/**
 * Writes each lab inventory as the generator makes it, after a change to lab/topology (review the
 * diff): npx tsx -e "import('./test/support/lab-inventory.ts').then((m) => m.writeLabInventories())"
 */
export function writeLabInventories(): void {
  for (const file of LAB_INVENTORY_FILES) writeFileSync(file, generatedLabInventory(file));
}

/**
 * inventory/lab.yaml for the namespace lab that is up with `hosts` (its run dir's `topology`):
 * those hosts, the key files of `runDir` as absolute paths. Written to `file`, which it returns.
 */
export function writeScaledInventory(runDir: string, hosts: TopologyHost[], file: string): string {
  const text = labInventoryText(readFileSync(resolve(REPO, 'inventory/lab.yaml'), 'utf8'), {
    ...readTopology(),
    hosts,
  });
  const document = parseDocument(text);
  document.setIn(['ssh', 'identity_file'], resolve(runDir, 'id_ed25519'));
  document.setIn(['ssh', 'known_hosts'], resolve(runDir, 'known_hosts'));
  writeFileSync(file, document.toString());
  return file;
}

// inventory/lab.yaml for tests that stop before any host is contacted: lbprov reads the key and
// known_hosts files before it connects (or asks anything), and the lab's own exist only while the
// lab is up, so these are stand-ins in a folder of their own.
export function labInventoryWithStandIns(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lbprov-lab-inventory-'));
  writeFileSync(join(dir, 'id_ed25519'), 'a stand-in: never used, no host is contacted\n', { mode: 0o600 });
  writeFileSync(join(dir, 'known_hosts'), '');
  const file = join(dir, 'lab.yaml');
  writeFileSync(
    file,
    readFileSync(join(REPO, 'inventory', 'lab.yaml'), 'utf8').replaceAll('../lab/.run/', ''),
  );
  return file;
}
