// fetch: control downloads on this machine: read as the body arrives, abandoned past the cap (a URL
// serving endless data does not fill lbprov's memory).
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ControlDownloads } from '../../../src/engine/actions.js';

describe('engine: downloads on the control side', () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((request, response) => {
      if (request.url === '/endless') {
        // Never ends on its own: only the reader's cap stops it.
        const chunk = Buffer.alloc(64 * 1024, 120);
        const write = () => {
          while (response.write(chunk));
          response.once('drain', write);
        };
        response.on('close', () => response.removeAllListeners('drain'));
        write();
        return;
      }
      response.end('keepalived tarball');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('a source within the cap, read whole', async () => {
    expect((await new ControlDownloads(1000).get(`${base}/small`)).toString()).to.equal('keepalived tarball');
  });

  it('a URL that serves without end: refused once past the cap', async () => {
    const error = await new ControlDownloads(1_000_000).get(`${base}/endless`).catch((e: Error) => e);
    expect((error as Error).message).to.equal(
      `${base}/endless serves more than 1000000 bytes: not a source tarball`,
    );
  });
});
