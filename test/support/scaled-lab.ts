// A namespace lab brought up at any size (lab/lab.sh up --real-servers N) lists its hosts in
// .run/topology; the scale test and bench/scale.ts both read it and both converge the same
// generated inventory: inventory/lab.yaml with those real servers and absolute key paths.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface LabHost {
  name: string;
  address: string;
  role: string;
}

/** The hosts of the lab that is up, as lab.sh wrote them ("name address role" per line). */
export function labTopology(runDir: string): LabHost[] {
  return readFileSync(resolve(runDir, 'topology'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [name = '', address = '', role = ''] = line.split(' ');
      return { name, address, role };
    });
}

/** Writes inventory/lab.yaml with `hosts`' real servers to `file`, keys from `runDir`. */
export function writeScaledInventory(runDir: string, hosts: LabHost[], file: string): string {
  const document = parseDocument(readFileSync(resolve(REPO, 'inventory/lab.yaml'), 'utf8'));
  document.setIn(['ssh', 'identity_file'], resolve(runDir, 'id_ed25519'));
  document.setIn(['ssh', 'known_hosts'], resolve(runDir, 'known_hosts'));
  document.set(
    'real_servers',
    hosts
      .filter((host) => host.role === 'real_server')
      .map((host) => ({ name: host.name, host: host.address, weight: 1 })),
  );
  writeFileSync(file, document.toString());
  return file;
}
