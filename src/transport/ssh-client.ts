import { createRequire } from 'node:module';
import type { AuthenticationType, Client, ConnectConfig, SFTPWrapper } from 'ssh2';

type ClientClass = typeof Client;

/**
 * ssh2's client module alone. The package's index also loads its SSH server, HTTP agents and key
 * generation, and node-ssh (which lbprov used before) adds its own helpers: ~15 ms of every
 * command's start-up for nothing lbprov calls. The index is the fallback should the module move.
 */
function loadClient(): ClientClass {
  const require = createRequire(import.meta.url);
  try {
    return require('ssh2/lib/client.js') as ClientClass;
  } catch {
    return (require('ssh2') as { Client: ClientClass }).Client;
  }
}

const SshClientClass = loadClient();

/**
 * The authentication methods to try, in order: the key, then the agent, and `none` last. ssh2's
 * default asks `none` first, which costs every connection a round trip that fails wherever a
 * key is needed; a server that lets anyone in still gets its `none`.
 */
function authOrder(config: ConnectConfig): AuthenticationType[] {
  return [
    ...(config.privateKey !== undefined ? (['publickey'] as const) : []),
    ...(config.agent !== undefined ? (['agent'] as const) : []),
    'none',
  ];
}

/**
 * One SSH connection: what lbprov used of node-ssh (connect, the connection itself, SFTP, dispose),
 * with its behaviour: `connection` is null once the connection ended; a connection that closes
 * before it is ready fails with "No response from server".
 */
export class SshClient {
  connection: Client | null = null;

  async connect(config: ConnectConfig): Promise<this> {
    const connection = new SshClientClass();
    this.connection = connection;
    await new Promise<void>((resolve, reject) => {
      connection.on('error', reject);
      connection.on('ready', () => {
        connection.removeListener('error', reject);
        resolve();
      });
      connection.on('end', () => {
        if (this.connection === connection) this.connection = null;
      });
      connection.on('close', () => {
        if (this.connection === connection) this.connection = null;
        reject(new Error('No response from server'));
      });
      connection.connect({ authHandler: authOrder(config), ...config });
    });
    return this;
  }

  requestSFTP(): Promise<SFTPWrapper> {
    const connection = this.connection;
    if (!connection) return Promise.reject(new Error('Not connected to server'));
    return new Promise((resolve, reject) => {
      connection.on('error', reject);
      connection.sftp((error, sftp) => {
        connection.removeListener('error', reject);
        if (error) reject(error);
        else resolve(sftp);
      });
    });
  }

  dispose(): void {
    if (this.connection) {
      this.connection.end();
      this.connection = null;
    }
  }
}
