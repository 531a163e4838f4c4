// A command's output as it arrives, through a real SSH server (ssh2's, in this process): pieces of
// stdout and stderr reach onOutput while the command still runs, a character split between two
// packets whole, and the result at the end is what it was without onOutput.
import { expect } from 'chai';
import { startLocalSshServer, type LocalSshServer } from './local-ssh-server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('transport: output as it arrives (onOutput)', function () {
  this.timeout(20_000);
  let server: LocalSshServer;
  /** Set by the server when the command exits. */
  let exitedAt = 0;

  before(async () => {
    const euro = Buffer.from('€\n');
    server = await startLocalSshServer('lbprov-output-', (client) => {
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
  });

  after(() => {
    server.close();
  });

  const connect = () => server.connect('lb1');

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
