import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { holdConnection } from '../../../src/verify/held-connection.js';
import type { ExecOptions, ExecResult, HeldProcess, Transport } from '../../../src/transport/types.js';

/** The client's side run on this machine: the same script, the same bash, a real TCP connection. */
class LocalShell implements Transport {
  readonly host = 'client';
  exec(script: string, options?: ExecOptions): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const child = spawn('sh', ['-c', script]);
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (text: string) => {
        stdout += text;
        options?.onOutput?.(text, 'stdout');
      });
      child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }
  hold(): Promise<HeldProcess> {
    throw new Error('not used');
  }
  upload(): Promise<void> {
    throw new Error('not used');
  }
  async close(): Promise<void> {}
}

/**
 * A Redis stand-in speaking just enough RESP: each connection's `onCommand` decides, per PING, to
 * answer (a reply), stay silent for a while, or reset the connection (RST, as a director without
 * the connection in its IPVS table does).
 */
function fakeRedis(
  onCommand: (n: number, socket: Socket) => void,
): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    let n = 0;
    let buffered = '';
    socket.on('data', (data) => {
      buffered += data.toString();
      while (buffered.includes('\r\n')) {
        buffered = buffered.slice(buffered.indexOf('\r\n') + 2);
        n += 1;
        onCommand(n, socket);
      }
    });
    socket.on('error', () => undefined);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : 0 });
    }),
  );
}

async function holdFor(ms: number, port: number) {
  const events: string[] = [];
  const began = Date.now();
  const held = await open(port, began, events);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return { report: await held.finish(), events };
}

function open(port: number, began = Date.now(), events: string[] = []) {
  return holdConnection({
    client: { name: 'client', transport: new LocalShell() },
    vip: '127.0.0.1',
    port,
    clock: () => Date.now() - began,
    maxSeconds: 30,
    onEvent: (what) => events.push(what),
  });
}

describe('a Redis connection held through the VIP (drill failover)', function () {
  this.timeout(20_000);
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('is kept when every PING is answered, with the count of commands sent', async () => {
    const fake = await fakeRedis((_n, socket) => socket.write('+PONG\r\n'));
    server = fake.server;
    const { report, events } = await holdFor(1500, fake.port);
    expect(report).to.include({ outcome: 'kept', failed_commands: 0 });
    expect(report).to.have.property('commands').above(5);
    expect(events).to.deep.equal([]);
  });

  it('counts an answer that came after a second as one failed command, yet the connection as kept', async () => {
    const fake = await fakeRedis((n, socket) =>
      n === 3 ? setTimeout(() => socket.write('+PONG\r\n'), 2500) : socket.write('+PONG\r\n'),
    );
    server = fake.server;
    const { report, events } = await holdFor(4500, fake.port);
    expect(report).to.include({ outcome: 'kept', failed_commands: 1 });
    expect(events).to.deep.equal(['the held connection answered again (PING 3)']);
  });

  it("names the client's own port of the connection, the one an IPVS table lists it under", async () => {
    const clientPorts: number[] = [];
    const fake = await fakeRedis((_n, socket) => socket.write('+PONG\r\n'));
    fake.server.on('connection', (socket: Socket) => clientPorts.push(socket.remotePort ?? 0));
    server = fake.server;
    const held = await open(fake.port);
    await held.finish();
    expect(clientPorts).to.have.lengthOf(1);
    expect(held.localPort).to.equal(clientPorts[0]);
  });

  it('takes any reply as proof the connection carries traffic (NOAUTH: no password is ever sent)', async () => {
    const fake = await fakeRedis((_n, socket) => socket.write('-NOAUTH Authentication required.\r\n'));
    server = fake.server;
    const { report } = await holdFor(1000, fake.port);
    expect(report).to.include({ outcome: 'kept', failed_commands: 0 });
  });

  it('reports a reset, when it happened, and reconnects as a client would', async () => {
    let connections = 0;
    const fake = await fakeRedis((n, socket) =>
      n === 4 && connections === 1 ? socket.resetAndDestroy() : socket.write('+PONG\r\n'),
    );
    fake.server.on('connection', () => (connections += 1));
    server = fake.server;
    const { report, events } = await holdFor(2500, fake.port);
    expect(report).to.include({ outcome: 'reset', resets: 1, failed_commands: 1 });
    expect(report).to.have.property('reset_at_ms').above(0);
    expect(events).to.deep.equal([
      'the held connection through the VIP was reset (PING 4 unanswered)',
      'a new connection through the VIP was opened after the reset',
    ]);
    expect(connections).to.equal(2);
  });

  it('says it was not opened when nothing listens, instead of reporting a kept connection', async () => {
    const fake = await fakeRedis(() => undefined);
    const { port } = fake;
    await new Promise((resolve) => fake.server.close(resolve));
    const { report } = await holdFor(0, port);
    expect(report).to.deep.equal({ outcome: 'not opened', detail: 'the connect failed' });
  });
});
