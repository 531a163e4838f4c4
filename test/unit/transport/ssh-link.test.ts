// A host whose network dies while lbprov talks to it: the connection is given up after a few
// unanswered keepalives, the running command ends with "connection lost" instead of waiting, and
// close() returns. A real SSH server (ssh2's, in this process) behind a TCP relay that can be cut
// without closing anything, as a pulled cable does.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket, type AddressInfo, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { SshTransport } from '../../../src/transport/ssh.js';
import { UnreachableError } from '../../../src/transport/types.js';

interface Relay {
  port: number;
  /** Stops forwarding both ways; no socket is closed, no reset is sent. */
  cut(): void;
  close(): void;
}

function relayTo(targetPort: number): Promise<Relay> {
  const sockets: Socket[] = [];
  let cut = false;
  const server: TcpServer = createServer((client) => {
    const upstream = new Socket();
    upstream.connect(targetPort, '127.0.0.1');
    sockets.push(client, upstream);
    client.on('data', (data: Buffer) => cut || upstream.write(data));
    upstream.on('data', (data: Buffer) => cut || client.write(data));
    for (const socket of [client, upstream]) socket.on('error', () => undefined);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        cut: () => (cut = true),
        close: () => {
          for (const socket of sockets) socket.destroy();
          server.close();
        },
      }),
    ),
  );
}

describe('transport: a connection whose network dies', function () {
  this.timeout(20_000);
  let dir: string;
  let server: ssh2.Server;
  let relay: Relay;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lbprov-link-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id_ed25519')]);
    server = new ssh2.Server({ hostKeys: [readFileSync(join(dir, 'host_key'))] }, (client) => {
      client.on('error', () => undefined);
      client.on('authentication', (context) => context.accept());
      client.on('ready', () =>
        client.on('session', (accept) =>
          accept().on('exec', (acceptExec, _reject, info) => {
            const stream = acceptExec();
            // "sleep" runs until the network decides (saying READY first when asked); anything else
            // answers at once.
            if (info.command.includes('echo READY')) stream.write('READY\n');
            if (!info.command.includes('sleep')) {
              stream.exit(0);
              stream.end();
            }
          }),
        ),
      );
    });
    const sshPort = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
    );
    relay = await relayTo(sshPort);
    const hostKey = readFileSync(join(dir, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${relay.port} ${hostKey}\n`);
  });

  afterEach(() => {
    relay.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const connect = () =>
    SshTransport.connect(
      {
        name: 'rs1',
        host: '127.0.0.1',
        ssh: {
          user: 'root',
          port: relay.port,
          identity_file: join(dir, 'id_ed25519'),
          known_hosts: join(dir, 'known_hosts'),
          host_key_policy: 'strict',
          become: false,
          jump: [],
        },
      },
      { keepaliveIntervalMs: 100 },
    );

  it('a command running when the link is cut ends as "connection lost" (unreachable), and close() returns', async () => {
    const transport = await connect();
    expect((await transport.exec('true')).code).to.equal(0);
    const running = transport.exec('sleep 3600');
    await new Promise((done) => setTimeout(done, 200));
    relay.cut();
    const outcome = await running.then(
      () => 'finished',
      (error: unknown) => error,
    );
    expect(outcome).to.be.instanceOf(UnreachableError);
    expect((outcome as Error).message).to.match(/^the connection to rs1 was lost \(/);
    await transport.close();
    // A later command is refused at once, with the same words.
    const after = await transport.exec('true').catch((error: unknown) => error);
    expect((after as Error).message).to.match(/^the connection to rs1 was lost/);
  });

  it('a held process (the host lock) is released and the connection closed after the link is cut', async () => {
    const transport = await connect();
    const held = await transport.hold('echo READY; sleep 3600', 'READY');
    relay.cut();
    // Without an answer the channel never closes: release and close must not wait for one.
    await held.release();
    await transport.close();
  });
});
