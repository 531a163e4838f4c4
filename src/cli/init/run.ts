import { confirm } from '@inquirer/prompts';
import { access, constants, stat } from 'node:fs/promises';
import path from 'node:path';
import { formatDiagnostic, validateInventoryText, type InventoryFileInput } from '../../inventory/index.js';
import { escapeUnprintable } from '../../util/printable.js';
import { askCluster, type ClusterAnswers } from './ask-cluster.js';
import { askRedisPassword } from './ask-redis.js';
import { askSecret, type SecretAnswer } from './ask-secret.js';
import { askSoftware } from './ask-software.js';
import { askSsh } from './ask-ssh.js';
import { renderInventory } from './render.js';
import { writeFileAtomically } from './write-file.js';

/**
 * Asks for everything an inventory needs, checking each answer as it is typed, and writes `file`.
 * Returns whether a file was written: false when the user keeps an existing file or presses Ctrl-C.
 * Needs a terminal (see hasTerminal); `lbprov apply` on a missing inventory reuses it.
 */
export async function runInitPrompts(file: string): Promise<boolean> {
  try {
    const problem = await destinationProblem(file);
    if (problem !== undefined) {
      process.stderr.write(`lbprov: ${problem}\n`);
      return false;
    }
    if (await exists(file)) {
      const shown = escapeUnprintable(file);
      const overwrite = await confirm({ message: `${shown} already exists. Overwrite it?`, default: false });
      if (!overwrite) {
        process.stdout.write(`Left ${shown} unchanged.\n`);
        return false;
      }
    }
    process.stdout.write('Answers are checked as you type them; Ctrl-C leaves without writing anything.\n');
    const cluster = await askCluster();
    const software = await askSoftware();
    const secret = await askSecret(software.keepalived.version);
    const redisPassword = await askRedisPassword();
    const ssh = await askSsh();
    const inventory = assemble(cluster, software, { vrrp: secret, redis: redisPassword }, ssh);
    const text = renderInventory(inventory, file);
    // The answers were checked one by one; this checks the file as a whole, exactly as `validate` will.
    const result = validateInventoryText(text, file, { HOME: process.env.HOME });
    if (result.errors.length > 0) {
      throw new Error(
        `init composed an inventory that does not validate:\n${result.errors.map(formatDiagnostic).join('\n')}`,
      );
    }
    const secrets = [secret, ...(redisPassword ? [redisPassword] : [])];
    const inline = secrets.some((s) => s.stored === 'inline');
    await writeFileAtomically(file, text, inline ? 0o600 : 0o644);
    // "not set here" is no news: report() says how to set each variable.
    const unsetHere = new Set(['vrrp.auth_pass.env', 'redis.password.env']);
    report(file, secrets, result.warnings.filter((w) => !unsetHere.has(w.path)).map(formatDiagnostic));
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError') {
      process.stdout.write('\nAborted; nothing was written.\n');
      return false;
    }
    throw error;
  }
}

function assemble(
  cluster: ClusterAnswers,
  software: Awaited<ReturnType<typeof askSoftware>>,
  secrets: { vrrp: SecretAnswer; redis: SecretAnswer | undefined },
  ssh: Awaited<ReturnType<typeof askSsh>>,
): InventoryFileInput {
  const stored = (secret: SecretAnswer) => (secret.stored === 'inline' ? secret.value : { env: secret.env });
  return {
    ssh,
    keepalived: { ...software.keepalived, prefix: '/usr/local/keepalived' },
    ipvsadm: software.ipvsadm,
    vrrp: {
      interface: cluster.vrrp.interface,
      virtual_router_id: cluster.vrrp.virtual_router_id,
      advert_int: 1,
      auth_type: 'PASS',
      auth_pass: stored(secrets.vrrp),
      vip: cluster.vrrp.vip,
    },
    service: {
      port: cluster.service.port,
      protocol: 'TCP',
      lb_algo: cluster.service.lb_algo,
      lb_kind: 'DR',
      delay_loop: 6,
      check: { connect_timeout: 3, retry: 3, delay_before_retry: 3 },
    },
    directors: cluster.directors,
    real_servers: cluster.real_servers,
    redis: {
      manage: true,
      install: false,
      ...(secrets.redis === undefined ? {} : { password: stored(secrets.redis) }),
    },
    allow_vrrp_only: false,
  };
}

function report(file: string, secrets: SecretAnswer[], warnings: string[]): void {
  const shown = escapeUnprintable(file);
  const lines = [`Wrote ${shown}.`];
  if (warnings.length > 0) lines.push('Worth reading before you apply it:', ...warnings.map((w) => `  ${w}`));
  const fromEnv = secrets.flatMap((secret) => (secret.stored === 'env' ? [secret.env] : []));
  if (fromEnv.length > 0) {
    lines.push(
      fromEnv.length === 1
        ? `The password is not stored. Before lbprov apply, set ${fromEnv.join('')} to it without echoing it, e.g.:`
        : `The passwords are not stored. Before lbprov apply, set ${fromEnv.join(' and ')} without echoing them, e.g.:`,
      ...fromEnv.map((env) => `  read -rs ${env} && export ${env}`),
    );
  }
  lines.push(`Next: lbprov validate ${shown}`);
  process.stdout.write(`${lines.join('\n')}\n`);
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
