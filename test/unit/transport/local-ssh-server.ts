// A real SSH server (ssh2's) in this process, on a free loopback port, with its own host key in a
// known_hosts file and a client key: what the transport tests connect lbprov's SshTransport to.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { SshTransport } from '../../../src/transport/ssh.js';

export interface LocalSshServer {
  /** lbprov's transport to it, as the host `name`, with strict host-key checking. */
  connect(name: string): Promise<SshTransport>;
  /** Stops listening and removes the keys. */
  close(): void;
}

export async function startLocalSshServer(
  prefix: string,
  onClient: (client: ssh2.Connection) => void,
): Promise<LocalSshServer> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id_ed25519')]);
  const server = new ssh2.Server({ hostKeys: [readFileSync(join(dir, 'host_key'))] }, onClient);
  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
  const hostKey = readFileSync(join(dir, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostKey}\n`);
  return {
    connect: (name) =>
      SshTransport.connect({
        name,
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
      }),
    close: () => {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
