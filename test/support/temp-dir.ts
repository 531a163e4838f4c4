// Temporary folders of the tests (unit, namespace lab, Vagrant), removed once the run is over, so
// that a run leaves the system's temp dir as it found it, a failing test included. The removal is a
// root `after` hook: this module is first evaluated while a test file is being loaded, outside any
// describe, where mocha's current suite is the root one. Folders are kept to the end of the run
// (not of a test) as some are made while mocha collects the tests, others in a before hook, and
// used in later tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { labInventoryWithStandIns } from './lab-inventory.js';

const made: string[] = [];

after(function () {
  // Some hold an npm install (node_modules): more than mocha's 2 s on a busy machine.
  this.timeout(60_000);
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A new folder in the temp dir, named `prefix` and six random characters; removed after the run. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** labInventoryWithStandIns(): the stand-in lab inventory, in a folder removed after the run. */
export function tempLabInventory(): string {
  const file = labInventoryWithStandIns();
  made.push(dirname(file));
  return file;
}
