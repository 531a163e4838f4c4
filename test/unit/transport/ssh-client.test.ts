// How lbprov authenticates: the key first (no `none` round trip before it, as ssh2's default
// makes), and `none` still last, for a server that lets anyone in. A real SSH server (ssh2's, in
// this process) records the methods each connection tries.
import { expect } from 'chai';
import { startLocalSshServer, type LocalSshServer } from './local-ssh-server.js';

describe('transport: authentication order', function () {
  this.timeout(20_000);
  let server: LocalSshServer;
  let tried: string[];
  let accept: (method: string) => boolean;
  const agent = process.env.SSH_AUTH_SOCK;

  beforeEach(async () => {
    delete process.env.SSH_AUTH_SOCK;
    tried = [];
    server = await startLocalSshServer('lbprov-auth-', (client) => {
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
  });

  afterEach(() => {
    if (agent === undefined) delete process.env.SSH_AUTH_SOCK;
    else process.env.SSH_AUTH_SOCK = agent;
    server.close();
  });

  const connect = () => server.connect('rs1');

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
