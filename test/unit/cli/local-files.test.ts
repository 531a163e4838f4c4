// Local files named by the user (the inventory, ssh.identity_file, ssh.known_hosts) are read only
// when they are regular files of a sane size: a device is not read without end, a named pipe does
// not block, a directory is named as one; each gets exit 4 and the key, before any host is contacted.
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalFileError, readLocalFile } from '../../../src/util/local-file.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const LAB_INVENTORY = readFileSync(join(REPO, 'inventory', 'lab.yaml'), 'utf8');

function lbprov(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(join(REPO, 'bin', 'lbprov'), args, {
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, LBPROV_AUTH_PASS: 'Unit7Pw' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('local files lbprov reads', function () {
  this.timeout(30_000);
  let dir: string;
  let fifo: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lbprov-local-'));
    fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('readLocalFile', () => {
    const refusal = async (path: string, max = 1024): Promise<string> => {
      try {
        await readLocalFile(path, max);
      } catch (error) {
        if (error instanceof LocalFileError) return error.reason;
        throw error;
      }
      throw new Error(`${path} was read`);
    };

    it('reads a regular file whole', async () => {
      writeFileSync(join(dir, 'key'), 'x'.repeat(1024));
      expect((await readLocalFile(join(dir, 'key'), 1024)).length).to.equal(1024);
    });

    it('refuses a device, a named pipe, a directory and a file over the cap, each named', async () => {
      expect(await refusal('/dev/zero')).to.equal('is a device, not a file');
      expect(await refusal(fifo)).to.equal('is a named pipe, not a file');
      expect(await refusal(dir)).to.equal('is a directory, not a file');
      writeFileSync(join(dir, 'big'), 'x'.repeat(1025));
      expect(await refusal(join(dir, 'big'))).to.equal('is 1025 bytes; lbprov reads at most 1024 from it');
    });

    it('passes a missing file through as ENOENT', async () => {
      const error = await readLocalFile(join(dir, 'none'), 10).catch((e: NodeJS.ErrnoException) => e);
      expect((error as NodeJS.ErrnoException).code).to.equal('ENOENT');
    });
  });

  it('validate on a named pipe or a device: exit 4 at once, saying what it is', () => {
    for (const [path, says] of [
      [fifo, 'is a named pipe, not a file'],
      ['/dev/zero', 'is a device, not a file'],
    ]) {
      const run = lbprov(['validate', path!]);
      expect(run.code, run.stderr).to.equal(4);
      expect(run.stdout + run.stderr).to.include(says!);
    }
  });

  it('apply with ssh.identity_file a device, or ssh.known_hosts a pipe or a directory: exit 4 naming the key, no host contacted', () => {
    mkdirSync(join(dir, 'hosts.d'));
    for (const [key, value, says] of [
      ['identity_file', '/dev/zero', 'ssh.identity_file: /dev/zero is a device, not a file'],
      ['known_hosts', fifo, `ssh.known_hosts: ${fifo} is a named pipe, not a file`],
      [
        'known_hosts',
        join(dir, 'hosts.d'),
        `ssh.known_hosts: ${join(dir, 'hosts.d')} is a directory, not a file`,
      ],
    ]) {
      const inventory = join(dir, `lab-${key}.yaml`);
      const line = new RegExp(`^  ${key}: .*$`, 'm');
      writeFileSync(
        inventory,
        LAB_INVENTORY.replace(line, `  ${key}: ${value}`).replaceAll('../lab/.run/', `${REPO}/lab/.run/`),
      );
      const run = lbprov(['apply', inventory, '--dry-run']);
      expect(run.code, run.stdout + run.stderr).to.equal(4);
      expect(run.stderr).to.include(says).and.include('nothing was contacted');
    }
  });
});
