// ProxyJump: lbprov reaches a host through a jump host (a bastion), as `ssh -J` does, with both
// host keys verified. Two real SSH servers (ssh2's, in this process); the bastion forwards TCP
// unless told not to.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { SshTransport, type SshTarget } from '../../../src/transport/ssh.js';
import { UnreachableError } from '../../../src/transport/types.js';

interface FakeServer {
  server: ssh2.Server;
  port: number;
  publicKey: string;
  /** Destinations the server was asked to forward to, as host:port. */
  forwarded: string[];
  /** Commands it ran. */
  commands: string[];
  /** Clients whose connection ended. */
  ended: number;
  /** The most connections that were at once still authenticating (what sshd's MaxStartups counts). */
  mostAuthenticating: number;
}

async function startServer(dir: string, name: string, forwards: boolean): Promise<FakeServer> {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, `${name}_key`)]);
  const state = { forwarded: [] as string[], commands: [] as string[], ended: 0, mostAuthenticating: 0 };
  let authenticating = 0;
  const server = new ssh2.Server({ hostKeys: [readFileSync(join(dir, `${name}_key`))] }, (client) => {
    authenticating += 1;
    state.mostAuthenticating = Math.max(state.mostAuthenticating, authenticating);
    client.on('error', () => undefined);
    client.on('end', () => (state.ended += 1));
    // Slow, as a busy bastion is: handshakes overlap.
    client.on('authentication', (context) => setTimeout(() => context.accept(), 50));
    client.on('ready', () => {
      authenticating -= 1;
      client.on('tcpip', (accept, reject, info) => {
        state.forwarded.push(`${info.destIP}:${info.destPort}`);
        if (!forwards) return reject();
        const channel = accept();
        const socket = tcpConnect(info.destPort, info.destIP);
        socket.on('error', () => channel.destroy());
        channel.pipe(socket).pipe(channel);
      });
      client.on('session', (acceptSession) =>
        acceptSession().on('exec', (acceptExec, _reject, info) => {
          state.commands.push(info.command);
          const stream = acceptExec();
          stream.write(`${name}\n`);
          stream.exit(0);
          stream.end();
        }),
      );
    });
  });
  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
  const publicKey = readFileSync(join(dir, `${name}_key.pub`), 'utf8')
    .split(' ')
    .slice(0, 2)
    .join(' ');
  return Object.assign(state, { server, port, publicKey });
}

describe('transport: through a jump host (ProxyJump)', function () {
  this.timeout(20_000);
  let dir: string;
  let bastion: FakeServer;
  let target: FakeServer;

  const targetThrough = (jump: FakeServer, knownHosts = join(dir, 'known_hosts')): SshTarget => ({
    name: 'rs1',
    host: 'rs1',
    ssh: {
      user: 'root',
      port: target.port,
      identity_file: join(dir, 'id_ed25519'),
      known_hosts: knownHosts,
      host_key_policy: 'strict',
      become: false,
      // As the OpenSSH config resolves them: rs1's HostName, and the bastion's.
      host_name: '127.0.0.1',
      jump: [{ name: 'bastion', host: '127.0.0.1', user: 'ops', port: jump.port }],
    },
  });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lbprov-jump-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id_ed25519')]);
    bastion = await startServer(dir, 'bastion', true);
    target = await startServer(dir, 'target', true);
    writeFileSync(
      join(dir, 'known_hosts'),
      `[127.0.0.1]:${bastion.port} ${bastion.publicKey}\n[127.0.0.1]:${target.port} ${target.publicKey}\n`,
    );
  });

  afterEach(() => {
    bastion.server.close();
    target.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs commands on the host through the bastion, which only forwards, and close() ends both connections', async () => {
    const transport = await SshTransport.connect(targetThrough(bastion));
    expect((await transport.exec('true')).stdout).to.equal('target\n');
    expect(bastion.forwarded).to.deep.equal([`127.0.0.1:${target.port}`]);
    expect(bastion.commands).to.deep.equal([]);
    await transport.close();
    await new Promise((done) => setTimeout(done, 200));
    expect([bastion.ended, target.ended]).to.deep.equal([1, 1]);
  });

  it("keeps a bastion's handshakes under sshd's MaxStartups (10) when many hosts behind it connect at once", async () => {
    const transports = await Promise.all(
      Array.from({ length: 24 }, (_, index) =>
        SshTransport.connect({ ...targetThrough(bastion), name: `rs${index}` }),
      ),
    );
    expect(bastion.forwarded).to.have.length(24);
    expect(bastion.mostAuthenticating).to.be.within(1, 8);
    await Promise.all(transports.map((transport) => transport.close()));
  });

  it('refuses a bastion whose host key is not known (strict), naming the jump host, before reaching the host', async () => {
    writeFileSync(join(dir, 'only_target'), `[127.0.0.1]:${target.port} ${target.publicKey}\n`);
    const error = await SshTransport.connect(targetThrough(bastion, join(dir, 'only_target'))).catch(
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(UnreachableError);
    expect((error as Error).message).to.match(
      /^jump host bastion for rs1: host \[127\.0\.0\.1\]:\d+ is not in /,
    );
    expect(bastion.forwarded).to.deep.equal([]);
  });

  it('refuses the host behind the bastion when its key is not known: every hop is verified', async () => {
    writeFileSync(join(dir, 'only_bastion'), `[127.0.0.1]:${bastion.port} ${bastion.publicKey}\n`);
    const error = await SshTransport.connect(targetThrough(bastion, join(dir, 'only_bastion'))).catch(
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(UnreachableError);
    expect((error as Error).message).to.match(/^host \[127\.0\.0\.1\]:\d+ is not in /);
    await new Promise((done) => setTimeout(done, 200));
    expect(bastion.ended, 'the bastion connection is closed again').to.equal(1);
  });

  it('says so when the bastion will not forward, with what to check', async () => {
    const closed = await startServer(dir, 'closed', false);
    writeFileSync(
      join(dir, 'known_hosts'),
      `[127.0.0.1]:${closed.port} ${closed.publicKey}\n[127.0.0.1]:${target.port} ${target.publicKey}\n`,
    );
    try {
      const error = await SshTransport.connect(targetThrough(closed)).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(UnreachableError);
      expect((error as Error).message).to.include(
        `jump host bastion could not open a connection to 127.0.0.1:${target.port}`,
      );
      expect((error as UnreachableError).hint).to.include('AllowTcpForwarding');
    } finally {
      closed.server.close();
    }
  });
});
