// The key and known_hosts files the inventory names are read when it is loaded, as a connection
// reads them: validate and apply judge them alike, under the key a user would edit, at its line.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInventory } from '../../../src/inventory/index.js';

const BASE = readFileSync(new URL('../../fixtures/inventories/base.yaml', import.meta.url), 'utf8');
const BACKUP = '{ host: 192.168.56.11, state: BACKUP, priority: 10 }';

describe('inventory: the files the hosts’ connections read', () => {
  let dir: string;
  let home: string;
  const load = (text: string, connecting = false) => {
    const file = join(dir, 'inventory.yaml');
    writeFileSync(file, text);
    return loadInventory(file, { HOME: home, LBPROV_AUTH_PASS: 'lbpass1' }, { connecting });
  };
  const lineOf = (text: string, fragment: string) => text.slice(0, text.indexOf(fragment)).split('\n').length;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lbprov-ssh-files-'));
    home = join(dir, 'home');
    mkdirSync(join(home, '.ssh'), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("a pipe in a host's own ssh: is an error under that host's key, at its line", async () => {
    const pipe = join(dir, 'pipe');
    execFileSync('mkfifo', [pipe]);
    const text = BASE.replace(
      BACKUP,
      `{ host: 192.168.56.11, state: BACKUP, priority: 10, ssh: { identity_file: ${pipe} } }`,
    );
    const { inventory, errors } = await load(text);
    expect(inventory).to.equal(undefined);
    expect(errors.map((e) => [e.path, e.line, e.message])).to.deep.equal([
      [
        'directors[1].ssh.identity_file',
        lineOf(text, 'ssh: { identity_file'),
        `${pipe} is a named pipe, not a file`,
      ],
    ]);
  });

  it('a key file named once for every host is reported once', async () => {
    const text = BASE.replace('  known_hosts:', `  identity_file: ${dir}\n  known_hosts:`);
    const { errors } = await load(text);
    expect(errors.map((e) => [e.path, e.line, e.message])).to.deep.equal([
      ['ssh.identity_file', lineOf(text, 'identity_file:'), `${dir} is a directory, not a file`],
    ]);
  });

  it('a key file that does not exist: a warning for validate, an error for a command that connects', async () => {
    const missing = join(dir, 'no-key');
    const text = BASE.replace('  known_hosts:', `  identity_file: ${missing}\n  known_hosts:`);
    const validated = await load(text);
    expect(validated.errors).to.deep.equal([]);
    expect(validated.inventory).to.not.equal(undefined);
    expect(
      validated.warnings.filter((w) => w.path === 'ssh.identity_file').map((w) => w.message),
    ).to.deep.equal([`${missing}: no such file`]);
    const connecting = await load(text, true);
    expect(connecting.inventory).to.equal(undefined);
    expect(connecting.errors.map((e) => [e.path, e.message])).to.deep.equal([
      ['ssh.identity_file', `${missing}: no such file`],
    ]);
  });

  it('a known_hosts that does not exist yet is no problem: it is an empty one', async () => {
    const { errors, warnings } = await load(BASE, true);
    expect(errors).to.deep.equal([]);
    expect(warnings.map((w) => w.path)).to.not.include('ssh.known_hosts');
  });

  it('an IdentityFile from the OpenSSH config is named under ssh.identity_file, the config named in the hint', async () => {
    execFileSync('mkfifo', [join(home, '.ssh', 'id_pipe')]);
    writeFileSync(join(home, '.ssh', 'config'), 'Host 192.168.56.21\n    IdentityFile ~/.ssh/id_pipe\n');
    const { errors } = await load(BASE);
    expect(errors.map((e) => [e.path, e.message])).to.deep.equal([
      ['ssh.identity_file', `${join(home, '.ssh', 'id_pipe')} is a named pipe, not a file`],
    ]);
    expect(errors[0]?.hint).to.include('the OpenSSH config');
  });

  it('a path holding terminal escapes is shown escaped', async () => {
    const text = BASE.replace('  known_hosts:', `  identity_file: "${dir}/k\\e]0;t\\a"\n  known_hosts:`);
    const { errors } = await load(text, true);
    expect(errors.map((e) => e.message)).to.deep.equal([`${dir}/k\\u{1b}]0;t\\u{7}: no such file`]);
  });
});
