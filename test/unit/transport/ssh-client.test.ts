// How lbprov authenticates: the key first (no `none` round trip before it, as ssh2's default
// makes), and `none` still last, for a server that lets anyone in. A real SSH server (ssh2's, in
// this process) records the methods each connection tries.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { SshTransport } from '../../../src/transport/ssh.js';

describe('transport: authentication order', function () {
  this.timeout(20_000);
  let dir: string;
  let server: ssh2.Server;
  let port: number;
  let tried: string[];
  let accept: (method: string) => boolean;
  const agent = process.env.SSH_AUTH_SOCK;

  beforeEach(async () => {
    delete process.env.SSH_AUTH_SOCK;
    tried = [];
    dir = mkdtempSync(join(tmpdir(), 'lbprov-auth-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id_ed25519')]);
    server = new ssh2.Server({ hostKeys: [readFileSync(join(dir, 'host_key'))] }, (client) => {
      client.on('error', () => undefined);
      client.on('authentication', (context) => {
        tried.push(context.method);
        if (accept(context.method)) context.accept();
        else context.reject();
      });
      client.on('ready', () =>
        client.on('session', (acceptSession) =>
          acceptSession().on('exec', (acceptExec) => {
            const stream = acceptExec();
            stream.exit(0);
            stream.end();
          }),
        ),
      );
    });
    port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
    );
    const hostKey = readFileSync(join(dir, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostKey}\n`);
  });

  afterEach(() => {
    if (agent === undefined) delete process.env.SSH_AUTH_SOCK;
    else process.env.SSH_AUTH_SOCK = agent;
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const connect = () =>
    SshTransport.connect({
      name: 'rs1',
      host: '127.0.0.1',
      ssh: {
        user: 'root',
        port,
        identity_file: join(dir, 'id_ed25519'),
        known_hosts: join(dir, 'known_hosts'),
        host_key_policy: 'strict',
        become: false,
        jump: [],
      },
    });

  it('offers the key first: no `none` attempt before it', async () => {
    accept = (method) => method === 'publickey';
    const transport = await connect();
    expect((await transport.exec('true')).code).to.equal(0);
    await transport.close();
    expect(tried[0]).to.equal('publickey');
    expect(tried).not.to.include('none');
  });

  it('still tries `none` last, for a server that needs no key', async () => {
    accept = (method) => method === 'none';
    const transport = await connect();
    expect((await transport.exec('true')).code).to.equal(0);
    await transport.close();
    expect(tried.at(0)).to.equal('publickey');
    expect(tried.at(-1)).to.equal('none');
  });

  it('a server that accepts nothing: "authentication failed", as before', async () => {
    accept = () => false;
    const error = await connect().catch((caught: unknown) => caught);
    expect((error as Error).message).to.match(/authentication failed/);
  });
});
