import { confirm } from '@inquirer/prompts';
import { access, constants, stat } from 'node:fs/promises';
import path from 'node:path';
import { escapeUnprintable } from '../../util/printable.js';
import { ExitCode } from '../../util/exit-codes.js';
import { askCluster } from './ask-cluster.js';
import { askRedisPassword, askTopology } from './ask-redis.js';
import { askSecret } from './ask-secret.js';
import { askSoftware } from './ask-software.js';
import { askSsh } from './ask-ssh.js';
import { finishInit, type InitOutcome } from './finish.js';

/**
 * Asks for everything an inventory needs, checking each answer as it is typed, and writes `file`.
 * Not written: the user kept an existing file or pressed Ctrl-C, or writing failed (the answers are
 * then saved, and the message says where). Needs a terminal (see hasTerminal); `lbprov apply` on a
 * missing inventory reuses it.
 */
export async function runInitPrompts(file: string): Promise<InitOutcome> {
  const aborted = { written: false, exitCode: ExitCode.Aborted } as const;
  try {
    const problem = await destinationProblem(file);
    if (problem !== undefined) {
      process.stderr.write(`lbprov: ${problem}\n`);
      return { written: false, exitCode: ExitCode.Usage };
    }
    if (await exists(file)) {
      const shown = escapeUnprintable(file);
      const overwrite = await confirm({ message: `${shown} already exists. Overwrite it?`, default: false });
      if (!overwrite) {
        process.stdout.write(`Left ${shown} unchanged.\n`);
        return aborted;
      }
    }
    process.stdout.write('Answers are checked as you type them; Ctrl-C leaves without writing anything.\n');
    const cluster = await askCluster();
    const topology = await askTopology(cluster);
    const software = await askSoftware();
    const vrrp = await askSecret(software.keepalived.version);
    const redis = await askRedisPassword();
    const ssh = await askSsh(topology.topology === 'primary-replica' ? topology.read_port : undefined);
    return await finishInit(file, {
      cluster,
      topology,
      software,
      secrets: { vrrp, ...(redis === undefined ? {} : { redis }) },
      ssh,
    });
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError') {
      process.stdout.write('\nAborted; nothing was written.\n');
      return aborted;
    }
    throw error;
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** Found before the first question, so nobody answers twenty prompts for a file that cannot be written. */
export async function destinationProblem(file: string): Promise<string | undefined> {
  const existing = await stat(file).catch(() => undefined);
  if (existing?.isDirectory())
    return `${escapeUnprintable(file)} is a directory; name the inventory file to write, e.g. ${escapeUnprintable(path.join(file, 'inventory.yaml'))}`;
  const folder = path.dirname(path.resolve(file));
  try {
    await access(folder, constants.W_OK);
    return undefined;
  } catch {
    return `cannot write into ${escapeUnprintable(folder)} (missing or not writable); choose another place for ${escapeUnprintable(path.basename(file))}`;
  }
}
