import { SshClient } from './ssh-client.js';
import type { ClientChannel, ServerHostKeyAlgorithm, SFTPWrapper } from 'ssh2';
import type { Duplex } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import pLimit, { type LimitFunction } from 'p-limit';
import type { SshSettings } from '../model/inventory.js';
import { shellQuote } from '../util/shell.js';
import { KnownHosts, fingerprint, hostKeyAlgorithmsFor, knownHostsName, keyTypeOf } from './known-hosts.js';
import type { ExecOptions, ExecResult, HeldProcess, Transport } from './types.js';
import { UnreachableError } from './types.js';
import { readIdentity } from './ssh-files.js';

/**
 * sshd's default MaxSessions is 10; lbprov stays at 8 per connection: one for the lock holder,
 * one for the SFTP channel, the rest for commands.
 */
const MAX_CHANNELS = 8;
const MAX_EXEC_CHANNELS = MAX_CHANNELS - 2;

export interface SshTarget {
  name: string;
  /** The host as the inventory names it; `ssh.host_name`, when set, is where to connect. */
  host: string;
  ssh: SshSettings;
}

/**
 * The connections to open, first hop first: the jump hosts (OpenSSH's ProxyJump), each next one
 * through the one before it, then the host. Every hop's key is checked against the same
 * known_hosts by the same policy; known_hosts names each by the address connected to.
 */
function hopsTo(target: SshTarget): SshTarget[] {
  const { host_name: hostName, jump, ...ssh } = target.ssh;
  const { identity_file: _targetIdentity, ...common } = ssh;
  const jumps = jump.map((hop) => ({
    name: hop.name,
    host: hop.host,
    ssh: {
      ...common,
      user: hop.user,
      port: hop.port,
      ...(hop.identity_file === undefined ? {} : { identity_file: hop.identity_file }),
      become: false,
      jump: [],
    },
  }));
  return [...jumps, { name: target.name, host: hostName ?? target.host, ssh: { ...ssh, jump: [] } }];
}

export interface SshConnectOptions {
  /** Asked at most once per run, only when sudo needs a password (become: true). */
  sudoPassword?: () => Promise<string>;
  /** Reports a host key that accept-new recorded, so the run can say so. */
  onHostKeyRecorded?: (host: string, fingerprint: string) => void;
  readyTimeoutMs?: number;
  /** How often an idle connection is probed; after KEEPALIVE_COUNT_MAX unanswered probes it is dropped. */
  keepaliveIntervalMs?: number;
}

/**
 * A host whose network dies mid-run is given up after 3 unanswered keepalives (15 s by default),
 * as OpenSSH's ServerAliveCountMax would; its commands then end and the run goes on without it.
 */
const KEEPALIVE_INTERVAL_MS = 5000;
const KEEPALIVE_COUNT_MAX = 3;
/** How long a goodbye may take before the socket is simply closed: a dead peer never answers it. */
const CLOSE_GRACE_MS = 2000;

interface Link {
  /** Why the connection ended before close() (a keepalive timeout, a reset). */
  lost?: Error;
  closed: boolean;
}

type SudoMode = { kind: 'none' } | { kind: 'passwordless' } | { kind: 'password'; password: string };

/** Verifies the server's key against known_hosts and remembers why it refused, for the error message. */
class HostKeyCheck {
  refusal?: { message: string; hint: string };

  constructor(
    private readonly target: SshTarget,
    private readonly knownHosts: KnownHosts,
    private readonly onRecorded?: (host: string, fingerprint: string) => void,
  ) {}

  get name(): string {
    return knownHostsName(this.target.host, this.target.ssh.port);
  }

  verifier = (key: Buffer, verify: (valid: boolean) => void): void => {
    const verdict = this.knownHosts.verify(this.name, key);
    const shown = `${keyTypeOf(key)} ${fingerprint(key)}`;
    const file = this.target.ssh.known_hosts;
    switch (verdict.kind) {
      case 'match':
        verify(true);
        return;
      case 'revoked':
        this.refusal = {
          message: `host key ${shown} of ${this.name} is marked @revoked in ${file}`,
          hint: 'the host presents a revoked key: find out why before connecting',
        };
        verify(false);
        return;
      case 'changed':
        this.refusal = {
          message: `host key of ${this.name} has CHANGED: it presents ${shown}, ${file} has ${verdict.knownFingerprints.join(', ')}`,
          hint:
            'someone may be intercepting the connection, or the host was reinstalled. If you know it was ' +
            `reinstalled, remove the old key with \`ssh-keygen -R ${shellQuote(this.name)} -f ${shellQuote(file)}\` and check the new fingerprint`,
        };
        verify(false);
        return;
      case 'unknown':
        if (this.target.ssh.host_key_policy === 'accept-new') {
          this.knownHosts.record(this.name, key).then(
            () => {
              this.onRecorded?.(this.target.name, shown);
              verify(true);
            },
            (error: Error) => {
              this.refusal = {
                message: `cannot record the host key of ${this.name} in ${file}: ${error.message}`,
                hint: 'make the known_hosts file writable, or add the key yourself',
              };
              verify(false);
            },
          );
          return;
        }
        this.refusal = {
          message: `host ${this.name} is not in ${file} (it presents ${shown}); host_key_policy is strict`,
          hint:
            `check the fingerprint on the host's console (\`ssh-keygen -lf /etc/ssh/ssh_host_${keyTypeOf(key).replace(/^ssh-/, '')}_key.pub\`), then add it: ` +
            `\`ssh-keyscan -p ${this.target.ssh.port} ${shellQuote(this.target.host)} >> ${shellQuote(file)}\`, ` +
            'or set host_key_policy: accept-new to record first-seen keys',
        };
        verify(false);
        return;
    }
  };
}

/**
 * Handshakes at once with one jump host. Every host behind it opens its own connection to it (as
 * `ssh -J` does), and an sshd drops new connections at random once 10 are still authenticating
 * (OpenSSH's default MaxStartups 10:30:100): with the default concurrency of 16, hosts behind one
 * bastion would fail at random. The channels through it are not sessions (MaxSessions).
 */
const JUMP_HOST_HANDSHAKES = 8;
const jumpHostHandshakes = new Map<string, LimitFunction>();

function handshakeSlot(hop: SshTarget): LimitFunction {
  const key = `${hop.host}:${hop.ssh.port}`;
  let limit = jumpHostHandshakes.get(key);
  if (!limit) {
    limit = pLimit(JUMP_HOST_HANDSHAKES);
    jumpHostHandshakes.set(key, limit);
  }
  return limit;
}

export class SshTransport implements Transport {
  private sftp?: Promise<SFTPWrapper>;
  private readonly channels = pLimit(MAX_EXEC_CHANNELS);

  private constructor(
    readonly host: string,
    private readonly client: SshClient,
    private readonly sudo: SudoMode,
    /** Shared by both views of one connection (with and without sudo). */
    private readonly link: Link,
    /** The jump hosts' connections this one runs through, first hop first. */
    private readonly hops: SshClient[] = [],
  ) {}

  static async connect(target: SshTarget, options: SshConnectOptions = {}): Promise<SshTransport> {
    const chain = hopsTo(target);
    const final = chain.at(-1)!;
    const hops: SshClient[] = [];
    let sock: Duplex | undefined;
    let client: SshClient;
    try {
      for (const [index, hop] of chain.slice(0, -1).entries()) {
        const hopClient = await handshakeSlot(hop)(() =>
          openClient(hop, sock, options, `jump host ${hop.name} for ${target.name}: `),
        );
        // A hop that dies ends the channel the next connection runs over; that connection reports it.
        hopClient.connection?.on('error', () => undefined);
        hops.push(hopClient);
        sock = await forwardThrough(hopClient, hop, chain[index + 1]!, target.name);
      }
      client = await openClient(final, sock, options, '');
    } catch (error) {
      for (const hop of hops.reverse()) hop.dispose();
      throw error;
    }
    // The client listens for errors only while connecting; a later one (a keepalive timeout) would
    // otherwise be thrown as an uncaught 'error' event.
    const link: Link = { closed: false };
    client.connection?.on('error', (error: Error) => (link.lost ??= error));
    client.connection?.on('close', () => {
      link.closed = true;
      link.lost ??= new Error('the connection closed');
    });
    const transport = new SshTransport(target.name, client, { kind: 'none' }, link, hops);
    if (!target.ssh.become || target.ssh.user === 'root') return transport;
    try {
      return new SshTransport(
        target.name,
        client,
        await transport.negotiateSudo(options.sudoPassword),
        link,
        hops,
      );
    } catch (error) {
      client.dispose();
      for (const hop of hops.reverse()) hop.dispose();
      throw error;
    }
  }

  private async negotiateSudo(askPassword?: () => Promise<string>): Promise<SudoMode> {
    const probe = await this.rawExec('sudo -n true 2>&1');
    if (probe.code === 0) return { kind: 'passwordless' };
    if (!askPassword) {
      throw new UnreachableError(
        this.host,
        'sudo needs a password and no terminal is available to ask for it',
        'run lbprov on a terminal, or allow passwordless sudo for the SSH user',
      );
    }
    const password = await askPassword();
    const check = await this.rawExec("sudo -S -p '' -v 2>&1", { stdin: `${password}\n` });
    if (check.code !== 0) {
      throw new UnreachableError(
        this.host,
        'sudo refused the password',
        'check the sudo password and try again',
      );
    }
    return { kind: 'password', password };
  }

  /**
   * Scripts never read lbprov's stdin by accident: with sudo -S it carries the password. A held
   * script reads its stdin to know when to end, so it keeps it.
   */
  private wrap(script: string, stdin: 'closed' | 'kept'): { command: string; stdinPrefix: string } {
    const body = stdin === 'closed' ? `exec </dev/null\n${script}` : script;
    switch (this.sudo.kind) {
      case 'none':
        return { command: `sh -c ${shellQuote(body)}`, stdinPrefix: '' };
      case 'passwordless':
        return { command: `sudo -n -- sh -c ${shellQuote(body)}`, stdinPrefix: '' };
      case 'password':
        return {
          command: `sudo -S -p '' -- sh -c ${shellQuote(body)}`,
          stdinPrefix: `${this.sudo.password}\n`,
        };
    }
  }

  async exec(script: string, options: ExecOptions = {}): Promise<ExecResult> {
    if (options.stdin !== undefined) {
      throw new Error('exec with stdin is not supported: stage content with upload() instead');
    }
    const { command, stdinPrefix } = this.wrap(script, 'closed');
    return this.rawExec(command, {
      ...(stdinPrefix ? { stdin: stdinPrefix } : {}),
      ...(options.onOutput ? { onOutput: options.onOutput } : {}),
    });
  }

  private rawExec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return this.channels(
      () =>
        new Promise<ExecResult>((resolve, reject) => {
          this.openChannel(command, (error, channel) => {
            if (error) return reject(error);
            const stdout: Buffer[] = [];
            const stderr: Buffer[] = [];
            let code = -1;
            const onOutput = options.onOutput;
            if (onOutput) {
              // A UTF-8 character split between two packets reaches onOutput whole.
              const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
              channel.on('data', (chunk: Buffer) => onOutput(decoders.stdout.write(chunk), 'stdout'));
              channel.stderr.on('data', (chunk: Buffer) => onOutput(decoders.stderr.write(chunk), 'stderr'));
            }
            channel.on('data', (chunk: Buffer) => stdout.push(chunk));
            channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
            channel.on('exit', (exitCode: number | null) => {
              code = exitCode ?? -1;
            });
            channel.on('close', () => {
              // No exit status and a lost connection: the command's fate is unknown, not a failure of its own.
              if (code === -1 && this.link.lost) return reject(this.lostError());
              resolve({
                code,
                stdout: Buffer.concat(stdout).toString('utf8'),
                stderr: Buffer.concat(stderr).toString('utf8'),
              });
            });
            if (options.stdin !== undefined) channel.end(options.stdin);
            else channel.end();
          });
        }),
    );
  }

  private openChannel(
    command: string,
    callback: (error: Error | undefined, channel: ClientChannel) => void,
  ): void {
    const connection = this.client.connection;
    if (!connection || this.link.lost) {
      callback(this.lostError(), undefined as unknown as ClientChannel);
      return;
    }
    connection.exec(command, (error, channel) =>
      callback(error ? this.lostUnlessRefused(error) : undefined, channel),
    );
  }

  private lostError(): UnreachableError {
    return new UnreachableError(
      this.host,
      `the connection to ${this.host} was lost (${this.link.lost?.message ?? 'closed'})`,
      'check the host and the network to it, then run lbprov again: it finishes what this run started',
    );
  }

  async hold(script: string, readyMarker: string): Promise<HeldProcess> {
    const { command, stdinPrefix } = this.wrap(script, 'kept');
    return new Promise<HeldProcess>((resolve, reject) => {
      this.openChannel(command, (error, channel) => {
        if (error) return reject(error);
        let output = '';
        let settled = false;
        const closed = new Promise<void>((done) => channel.on('close', () => done()));
        const release = async (): Promise<void> => {
          channel.end();
          // A lost connection never closes the channel: close() then ends it all.
          await settledWithin(closed, CLOSE_GRACE_MS);
        };
        channel.on('data', (chunk: Buffer) => {
          output += chunk.toString('utf8');
          if (!settled && output.split('\n').includes(readyMarker)) {
            settled = true;
            resolve({ banner: output, release });
          }
        });
        channel.stderr.on('data', () => undefined);
        channel.on('close', () => {
          if (!settled) {
            settled = true;
            resolve({ banner: output, release: async () => undefined });
          }
        });
        if (stdinPrefix) channel.write(stdinPrefix);
      });
    });
  }

  async upload(remotePath: string, content: Buffer): Promise<void> {
    try {
      const sftp = await this.sftpChannel();
      await new Promise<void>((resolve, reject) =>
        sftp.writeFile(remotePath, content, { mode: 0o600 }, (error) => (error ? reject(error) : resolve())),
      );
    } catch (error) {
      throw this.lostUnlessRefused(error);
    }
  }

  /**
   * A refusal by the server carries its reason (an SFTP status code, a channel-open reason): the
   * command's own failure. Anything else means the connection is gone; ssh2 fails pending requests
   * ("No response from server", "Keepalive timeout") before the connection itself reports it.
   */
  private lostUnlessRefused(error: unknown): Error {
    const { code, reason } = error as { code?: unknown; reason?: unknown };
    if (!this.link.lost && (typeof code === 'number' || reason !== undefined)) return error as Error;
    this.link.lost ??= error instanceof Error ? error : new Error(String(error));
    return this.lostError();
  }

  private sftpChannel(): Promise<SFTPWrapper> {
    this.sftp ??= this.client.requestSFTP();
    return this.sftp;
  }

  async close(): Promise<void> {
    if (this.sftp) {
      const sftp = await settledWithin(
        this.sftp.catch(() => undefined),
        CLOSE_GRACE_MS,
      );
      sftp?.end();
    }
    if (!this.link.closed) this.link.lost ??= new Error('closed by lbprov');
    await endWithin(this.client, this.link.closed);
    // The jump hosts' connections after the one that runs through them, the last hop first.
    for (const hop of [...this.hops].reverse()) await endWithin(hop, false);
  }
}

/** Says goodbye, and closes the socket if the peer does not answer in time (a dead peer never does). */
async function endWithin(client: SshClient, alreadyClosed: boolean): Promise<void> {
  const connection = client.connection;
  if (!connection || alreadyClosed) {
    client.dispose();
    return;
  }
  const closed = new Promise<void>((done) => connection.once('close', () => done()));
  client.dispose();
  if (
    (await settledWithin(
      closed.then(() => 'closed' as const),
      CLOSE_GRACE_MS,
    )) !== 'closed'
  ) {
    connection.destroy();
  }
}

/** The promise's value, or undefined when it has not settled within `ms` (the timer never keeps node alive). */
async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((done) => {
    timer = setTimeout(() => done(undefined), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function describeConnectError(error: unknown, target: SshTarget): string {
  const message = error instanceof Error ? error.message : String(error);
  const where = `${target.ssh.user}@${target.host}:${target.ssh.port}`;
  if (/authentication methods failed/i.test(message)) return `${where}: authentication failed`;
  if (/ECONNREFUSED/.test(message)) return `${where}: connection refused`;
  if (/ETIMEDOUT|Timed out/i.test(message)) return `${where}: no answer (timed out)`;
  if (/EHOSTUNREACH|ENETUNREACH/.test(message)) return `${where}: no route to host`;
  if (/ENOENT|does not exist/.test(message)) return `${where}: ${message}`;
  return `${where}: ${message}`;
}

function connectHint(error: unknown, target: SshTarget): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/authentication methods failed/i.test(message)) {
    return target.ssh.identity_file
      ? `check that ${target.ssh.identity_file} is authorized for ${target.ssh.user} on the host`
      : 'no identity_file is set and ssh-agent offered no accepted key: set ssh.identity_file or load a key into the agent';
  }
  if (/ENOENT|does not exist/.test(message)) return 'check ssh.identity_file in the inventory';
  return `check that sshd runs on ${target.host} port ${target.ssh.port} and that this machine can reach it`;
}

/** One SSH connection, directly or over `sock` (a channel through a jump host), its host key verified. */
async function openClient(
  target: SshTarget,
  sock: Duplex | undefined,
  options: SshConnectOptions,
  prefix: string,
): Promise<SshClient> {
  const knownHosts = await KnownHosts.load(target.ssh.known_hosts);
  const check = new HostKeyCheck(target, knownHosts, options.onHostKeyRecorded);
  const knownTypes = knownHosts.keyTypesFor(check.name);
  const privateKey = target.ssh.identity_file ? await readIdentity(target.ssh.identity_file) : undefined;
  const client = new SshClient();
  try {
    await client.connect({
      host: target.host,
      port: target.ssh.port,
      ...(sock ? { sock } : {}),
      username: target.ssh.user,
      ...(privateKey !== undefined ? { privateKey } : {}),
      ...(process.env.SSH_AUTH_SOCK ? { agent: process.env.SSH_AUTH_SOCK } : {}),
      hostVerifier: check.verifier,
      // Offer only the key types known_hosts has, so a recorded key can match (as OpenSSH does).
      ...(knownTypes.length > 0
        ? { algorithms: { serverHostKey: hostKeyAlgorithmsFor(knownTypes) as ServerHostKeyAlgorithm[] } }
        : {}),
      readyTimeout: options.readyTimeoutMs ?? 15000,
      keepaliveInterval: options.keepaliveIntervalMs ?? KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
    });
  } catch (error) {
    client.dispose();
    if (check.refusal) {
      throw new UnreachableError(target.name, `${prefix}${check.refusal.message}`, check.refusal.hint);
    }
    throw new UnreachableError(
      target.name,
      `${prefix}${describeConnectError(error, target)}`,
      connectHint(error, target),
    );
  }
  return client;
}

/** A TCP channel from `hop` to the next host's sshd (what `ssh -J` asks the jump host for). */
function forwardThrough(
  hop: SshClient,
  hopTarget: SshTarget,
  next: SshTarget,
  finalName: string,
): Promise<Duplex> {
  const connection = hop.connection;
  return new Promise((resolve, reject) => {
    if (!connection) return reject(new Error(`jump host ${hopTarget.name} is not connected`));
    connection.forwardOut('127.0.0.1', 0, next.host, next.ssh.port, (error, stream) => {
      if (!error) return resolve(stream);
      reject(
        new UnreachableError(
          finalName,
          `jump host ${hopTarget.name} could not open a connection to ${next.host}:${next.ssh.port}: ${error.message}`,
          `check that ${hopTarget.name} reaches ${next.host} port ${next.ssh.port} and that its sshd allows TCP forwarding (AllowTcpForwarding)`,
        ),
      );
    });
  });
}
