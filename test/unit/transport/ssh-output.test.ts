// A command's output as it arrives, through a real SSH server (ssh2's, in this process): pieces of
// stdout and stderr reach onOutput while the command still runs, a character split between two
// packets whole, and the result at the end is what it was without onOutput.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { SshTransport } from '../../../src/transport/ssh.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('transport: output as it arrives (onOutput)', function () {
  this.timeout(20_000);
  let dir: string;
  let server: ssh2.Server;
  let port: number;
  /** Set by the server when the command exits. */
  let exitedAt = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lbprov-output-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id_ed25519')]);
    const euro = Buffer.from('€\n');
    server = new ssh2.Server({ hostKeys: [readFileSync(join(dir, 'host_key'))] }, (client) => {
      client.on('error', () => undefined);
      client.on('authentication', (context) => context.accept());
      client.on('ready', () =>
        client.on('session', (accept) =>
          accept().on('exec', (acceptExec) => {
            const stream = acceptExec();
            // A build: a line, a warning, a line whose "€" comes in two packets, then the exit.
            void (async () => {
              stream.write('checking for gcc... gcc\n');
              await sleep(150);
              stream.stderr.write('warning: unused variable\n');
              await sleep(150);
              stream.write(Buffer.concat([Buffer.from('price: '), euro.subarray(0, 1)]));
              await sleep(50);
              stream.write(euro.subarray(1));
              await sleep(150);
              exitedAt = Date.now();
              stream.exit(0);
              stream.end();
            })();
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

  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const connect = () =>
    SshTransport.connect({
      name: 'lb1',
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

  it('pieces of stdout and stderr come while the command runs; the result is unchanged', async () => {
    const transport = await connect();
    try {
      const plain = await transport.exec('make');
      const pieces: { text: string; stream: string; at: number }[] = [];
      const result = await transport.exec('make', {
        onOutput: (text, stream) => pieces.push({ text, stream, at: Date.now() }),
      });
      expect(result).to.deep.equal(plain);
      expect(result).to.deep.equal({
        code: 0,
        stdout: 'checking for gcc... gcc\nprice: €\n',
        stderr: 'warning: unused variable\n',
      });
      const first = pieces.find((piece) => piece.text !== '')!;
      expect(first).to.include({ text: 'checking for gcc... gcc\n', stream: 'stdout' });
      expect(first.at).to.be.below(exitedAt - 300);
      const of = (stream: string) =>
        pieces
          .filter((piece) => piece.stream === stream)
          .map((piece) => piece.text)
          .join('');
      expect(of('stdout')).to.equal(result.stdout);
      expect(of('stderr')).to.equal(result.stderr);
      // Never half a character: the piece before the euro sign's second packet holds none of it.
      expect(pieces.map((piece) => piece.text).filter((text) => text.includes('\uFFFD'))).to.deep.equal([]);
    } finally {
      await transport.close();
    }
  });
});
