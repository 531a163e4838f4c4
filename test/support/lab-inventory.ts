// inventory/lab.yaml for tests that stop before any host is contacted: lbprov reads the key and
// known_hosts files before it connects (or asks anything), and the lab's own exist only while the
// lab is up, so these are stand-ins in a folder of their own.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

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
