import {
  checkAuthPass,
  checkRedisPassword,
  loadInventory,
  type Diagnostic,
  type Problem,
} from '../inventory/index.js';
import type { HostEntry, Inventory, SecretSource } from '../model/inventory.js';
import { shippedPlaybooks } from '../playbook/compiled.js';
import { PlaybookError } from '../playbook/load.js';
import { buildJobs, jobOrder, type ProcedureJob } from '../procedure/jobs.js';
import { vrrpStandIn } from '../procedure/stand-in.js';
import type { RunRequest } from '../engine/run.js';
import { PlanError } from '../engine/plan.js';
import { SshTransport } from '../transport/ssh.js';
import { trace, TracedTransport } from './trace.js';
import type { Transport } from '../transport/types.js';
import { SecretMasker } from '../util/mask.js';
import { clip, escapeUnprintable } from '../util/printable.js';
import { ExitCode } from '../util/exit-codes.js';
import { selectHosts } from './host-selection.js';
import { describeProblem } from './init/answer-checks.js';
import { resolveSecret, SecretUnavailableError, secretIfSet, sudoPasswordAsker } from './secrets.js';

/**
 * A stop before anything was changed (a bad inventory or argument, a missing secret, a declined
 * confirmation, a drill that cannot start): the message is for the user, the code is the exit code.
 */
export class SetupError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    /**
     * The inventory's findings behind it, each pinned to its file, line and key (so that --json
     * reports them as validate does), and what to do when the message does not say.
     */
    readonly details: { findings?: readonly Diagnostic[]; hint?: string } = {},
  ) {
    super(message);
  }
}

export interface Session {
  inventory: Inventory;
  /** The hosts' names --limit selected; absent without --limit (every host). */
  selected?: ReadonlySet<string>;
  masker: SecretMasker;
  connect(
    entry: HostEntry,
    onHostKeyRecorded?: (host: string, fingerprint: string) => void,
  ): Promise<Transport>;
}

/** A session whose hosts run the playbooks: apply, destroy and status plan with the jobs. */
export interface PlannedSession extends Session {
  jobs: ProcedureJob[];
  /** Who holds the VIP while keepalived restarts on the MASTER. */
  standInFor?: RunRequest['standInFor'];
  /** Closes the connections started early (connectFirst) that no run took. */
  closeUnused(): Promise<void>;
}

interface SessionOptions {
  limit?: readonly string[];
  warn: (warning: Diagnostic) => void;
  /**
   * Commands that write no configuration (destroy, verify, drill) take the VRRP and Redis
   * passwords when they are at hand, to mask them, but never ask for them or fail without them.
   */
  secrets?: 'required' | 'when-set';
}

const UNUSED_SECRET = 'lbprov-not-asked';

/** Inventory -> validated model -> secrets and --limit: what verify and the drills need. */
export async function openSession(file: string, options: SessionOptions): Promise<Session> {
  return (await openInventory(file, options)).session;
}

/**
 * openSession plus per-host jobs from the playbooks, for the commands that plan. With
 * `connectFirst`, the connections to that many of the hosts the run contacts first start as soon
 * as the inventory is read (see connectEarly).
 */
export async function openPlannedSession(
  file: string,
  options: SessionOptions & { connectFirst?: number },
): Promise<PlannedSession> {
  const opened = await openInventory(file, options);
  const { secrets, limit } = opened;
  const { session, closeUnused } = connectEarly(
    opened.session,
    options.connectFirst ? jobOrder(opened.session.inventory, limit).slice(0, options.connectFirst) : [],
  );
  let jobs: ProcedureJob[];
  try {
    jobs = buildJobs(session.inventory, await shippedPlaybooks(), secrets, limit);
  } catch (error) {
    await closeUnused();
    if (error instanceof PlaybookError || error instanceof PlanError) {
      throw new SetupError(
        `lbprov's playbook is broken: ${error.message} (this is a bug; please report it)`,
        ExitCode.Internal,
      );
    }
    throw error;
  }
  return { ...session, jobs, standInFor: vrrpStandIn(session.inventory, secrets.authPass), closeUnused };
}

/**
 * Starts `entries`' connections now; the session's `connect` hands each to the first caller that
 * asks for its host. A handshake waits on round trips and on the host's CPU, building the jobs on
 * this machine's: started first, the two overlap instead of adding up. Only as many hosts as the
 * run contacts at once, the first it contacts, start early: no more connections open at a time than
 * --concurrency says. The host keys recorded meanwhile reach the caller's `onHostKeyRecorded`
 * when it takes the connection.
 */
export function connectEarly(
  session: Session,
  entries: HostEntry[],
): { session: Session; closeUnused(): Promise<void> } {
  const early = new Map(
    entries.map((entry) => {
      const recorded: [host: string, fingerprint: string][] = [];
      const transport = session.connect(entry, (host, fingerprint) => recorded.push([host, fingerprint]));
      // A failed connection is the run's to report, when it asks for this host.
      transport.catch(() => undefined);
      return [entry.name, { transport, recorded }] as const;
    }),
  );
  return {
    session: {
      ...session,
      connect: async (entry, onHostKeyRecorded) => {
        const started = early.get(entry.name);
        if (!started) return session.connect(entry, onHostKeyRecorded);
        early.delete(entry.name);
        try {
          return await started.transport;
        } finally {
          for (const [host, fingerprint] of started.recorded) onHostKeyRecorded?.(host, fingerprint);
        }
      },
    },
    closeUnused: async () => {
      const unused = [...early.values()];
      early.clear();
      await Promise.all(
        unused.map(({ transport }) => transport.then((opened) => opened.close()).catch(() => undefined)),
      );
    },
  };
}

async function openInventory(
  file: string,
  options: SessionOptions,
): Promise<{ session: Session; secrets: RunSecrets; limit?: ReadonlySet<string> }> {
  const loaded = await loadInventory(file, process.env, { connecting: true });
  if (!loaded.inventory) {
    const shown = escapeUnprintable(file);
    throw new SetupError(
      `${shown}: invalid; nothing was contacted (run \`lbprov validate ${shown}\` after fixing)`,
      ExitCode.InvalidInventory,
      { findings: [...loaded.errors, ...loaded.warnings] },
    );
  }
  for (const warning of loaded.warnings) options.warn(warning);
  const inventory = loaded.inventory;
  const masker = new SecretMasker();
  const secrets = await runSecrets(inventory, options.secrets ?? 'required');
  masker.add(secrets.authPass);
  if (secrets.redisPassword !== undefined) masker.add(secrets.redisPassword);
  const selection = selectHosts(inventory, options.limit ?? []);
  if (selection && 'unknown' in selection) {
    // A pattern may be pasted from anywhere: it is shown as a value from the inventory would be.
    const unknown = selection.unknown.map((pattern) => clip(escapeUnprintable(pattern)));
    throw new SetupError(
      `--limit selects no host with ${unknown.join(', ')}; the inventory has: ${selection.known.join(', ')} (globs such as 'rs*' work too)`,
      ExitCode.Usage,
    );
  }
  const limit = selection?.hosts;
  const askSudo = sudoPasswordAsker();
  const sudoPassword = async (): Promise<string> => {
    const secret = await askSudo();
    masker.add(secret);
    return secret;
  };
  const session: Session = {
    inventory,
    ...(limit ? { selected: limit } : {}),
    masker,
    connect: async (entry, onHostKeyRecorded) => {
      const transport = await SshTransport.connect(
        { name: entry.name, host: entry.host, ssh: entry.ssh },
        { sudoPassword, ...(onHostKeyRecorded ? { onHostKeyRecorded } : {}) },
      );
      return trace().tracesCommands ? new TracedTransport(transport, trace(), masker) : transport;
    },
  };
  return { session, secrets, ...(limit ? { limit } : {}) };
}

/**
 * The passwords the jobs render. A command that writes no configuration gets a stand-in for one
 * that is not at hand; the Redis password is needed only where lbprov manages Redis.
 */
interface RunSecrets {
  authPass: string;
  redisPassword?: string;
}

async function runSecrets(inventory: Inventory, mode: 'required' | 'when-set'): Promise<RunSecrets> {
  const authPass =
    mode === 'when-set'
      ? (secretIfSet(inventory.vrrp.auth_pass) ?? UNUSED_SECRET)
      : await requiredSecret(inventory.vrrp.auth_pass, 'VRRP auth_pass', (answer) =>
          checkAuthPass(answer, inventory.keepalived.version),
        );
  const redis = inventory.redis.password;
  if (redis === undefined) return { authPass };
  const redisPassword =
    mode === 'required' && inventory.redis.manage
      ? await requiredSecret(redis, 'Redis password', checkRedisPassword)
      : (secretIfSet(redis) ?? UNUSED_SECRET);
  return { authPass, redisPassword };
}

/** From the file or the environment, else asked for on a terminal; the answer obeys the file's rule. */
async function requiredSecret(
  source: SecretSource,
  label: string,
  check: (answer: string) => Problem | undefined,
): Promise<string> {
  try {
    return await resolveSecret(source, label, (answer) => {
      const problem = check(answer);
      return problem && describeProblem(problem);
    });
  } catch (error) {
    if (error instanceof SecretUnavailableError)
      throw new SetupError(error.message, ExitCode.InvalidInventory);
    throw error;
  }
}
