import { Command, CommanderError } from 'commander';
import * as nodeModule from 'node:module';
import { ExitCode } from '../util/exit-codes.js';
import { clip, escapeUnprintable } from '../util/printable.js';
import type { ApplyOptions } from './commands/apply.js';
import type { DrillOptions } from './commands/drill.js';
import type { StatusOptions } from './commands/status.js';
import type { DestroyCommandOptions } from './commands/destroy.js';
import type { ValidateOptions } from './commands/validate.js';
import type { VerifyOptions } from './commands/verify.js';
import { DEFAULT_CONCURRENCY } from '../engine/concurrency.js';

// Each command loads its modules when it runs: `--help` and `validate` stay fast.

/** package.json's version, the one npm publishes: written once, read here (dist/cli -> ../..). */
const VERSION = (nodeModule.createRequire(import.meta.url)('../../package.json') as { version: string })
  .version;

/**
 * The outside of lbprov: parses arguments, picks a command, and turns every outcome into an exit code.
 * No stack trace reaches the user; an unexpected error is reported as a bug with exit code 70.
 */
function buildProgram(): Command {
  const program = new Command('lbprov')
    .description('Provision a Redis load balancer (keepalived VRRP + LVS direct routing) over SSH')
    .version(VERSION)
    .showHelpAfterError('(run `lbprov --help` for usage)')
    .option('-v, --verbose', 'show each command sent to a host (secrets masked) and its output')
    .option('--log <file>', 'also append every event and command, as JSON lines (secrets masked), to FILE')
    .exitOverride();

  program.hook('preAction', async (_program, action) => {
    const { verbose, log, json } = action.optsWithGlobals<{
      verbose?: boolean;
      log?: string;
      json?: boolean;
    }>();
    const { configureTrace } = await import('./trace.js');
    try {
      configureTrace({ ...(verbose ? { verbose } : {}), ...(log ? { log } : {}), ...(json ? { json } : {}) });
    } catch (error) {
      program.error(
        `lbprov: --log ${escapeUnprintable(clip(log ?? '', 200))}: ${escapeUnprintable((error as Error).message)}`,
        {
          exitCode: ExitCode.Usage,
        },
      );
    }
  });

  program
    .command('validate')
    .description('check an inventory offline (no connection is made)')
    .argument('<inventory>', 'inventory file (YAML)')
    .option('--json', 'print one JSON event per line; the last line is the summary')
    .option(
      '--show-connections',
      'also show how each host would be reached (address, port, user, key and known_hosts files, jump hosts) and where each value came from; -v does too',
    )
    .action(async (file: string, opts: ValidateOptions, command: Command) => {
      const { validateCommand } = await import('./commands/validate.js');
      const verbose = command.optsWithGlobals<{ verbose?: boolean }>().verbose ?? false;
      process.exitCode = await validateCommand(file, {
        ...opts,
        showConnections: (opts.showConnections ?? false) || verbose,
      });
    });

  program
    .command('init')
    .description('write an inventory interactively (needs a terminal)')
    .argument('[file]', 'inventory file to write', 'inventory.yaml')
    .action(async (file: string) => {
      const { initCommand } = await import('./commands/init.js');
      process.exitCode = await initCommand(file);
    });

  program
    .command('apply')
    .description('converge every host of the inventory (real servers, then BACKUP, then MASTER)')
    .argument('<inventory>', 'inventory file (YAML)')
    .option('--dry-run', 'show what would change, with diffs; change nothing on any host')
    .option('--json', 'print one JSON event per line; the last line is the summary')
    .option('--limit <hosts>', LIMIT_HELP, collect, [])
    .option('--concurrency <n>', `hosts contacted at once (default ${DEFAULT_CONCURRENCY})`)
    .option('--diff', 'also show file diffs for changes made')
    .action(async (file: string, opts: ApplyOptions) => {
      const { applyCommand } = await import('./commands/apply.js');
      process.exitCode = await applyCommand(file, opts);
    });

  program
    .command('destroy')
    .description('undo what lbprov did on every host (MASTER, then BACKUP, then real servers)')
    .argument('<inventory>', 'inventory file (YAML)')
    .option('--dry-run', 'list what would be undone on each host; change nothing')
    .option('--yes', 'do not ask for confirmation (required without a terminal)')
    .option('--remove-packages', 'also remove the packages lbprov installed (build dependencies, Redis)')
    .option('--json', 'print one JSON event per line; the last line is the summary')
    .option('--limit <hosts>', LIMIT_HELP, collect, [])
    .action(async (file: string, opts: DestroyCommandOptions) => {
      const { destroyCommand } = await import('./commands/destroy.js');
      process.exitCode = await destroyCommand(file, opts);
    });

  program
    .command('verify')
    .description('check the running cluster as a careful operator would; each check shows its evidence')
    .argument('<inventory>', 'inventory file (YAML)')
    .option('--json', 'print one JSON object per check; the last line is the summary')
    .option('--limit <hosts>', `${LIMIT_HELP}; checks that need a host left out are not run`, collect, [])
    .action(async (file: string, opts: VerifyOptions) => {
      const { verifyCommand } = await import('./commands/verify.js');
      process.exitCode = await verifyCommand(file, opts);
    });

  program
    .command('status')
    .description("report drift (apply --dry-run's plan) and the directors' live state; exit 6 when drifted")
    .argument('<inventory>', 'inventory file (YAML)')
    .option('--json', 'print one JSON event per line; the last line is the summary')
    .option('--limit <hosts>', LIMIT_HELP, collect, [])
    .action(async (file: string, opts: StatusOptions) => {
      const { statusCommand } = await import('./commands/status.js');
      process.exitCode = await statusCommand(file, opts);
    });

  const drill = program
    .command('drill')
    .description('stop one part of the cluster, time how it reacts, and restore it (also on Ctrl-C)');
  drill
    .command('failover')
    .description('stop keepalived on the MASTER, time the VIP moving to the BACKUP and back')
    .argument('<inventory>', 'inventory file (YAML)')
    .option('--json', 'print one JSON event per line; the last line is the result')
    .option('--limit <hosts>', `${LIMIT_HELP}; must select both directors`, collect, [])
    .action(async (file: string, opts: DrillOptions) => {
      const { drillCommand } = await import('./commands/drill.js');
      process.exitCode = await drillCommand('failover', file, undefined, opts);
    });
  drill
    .command('realserver')
    .description('stop Redis on one real server, time it leaving the IPVS table, restore it')
    .argument('<inventory>', 'inventory file (YAML)')
    .argument('[host]', 'the real server (its name or address); may be left out when --limit selects one')
    .option('--json', 'print one JSON event per line; the last line is the result')
    .option(
      '--limit <hosts>',
      `${LIMIT_HELP}; the real servers that may be drilled (the directors are only read)`,
      collect,
      [],
    )
    .action(async (file: string, host: string | undefined, opts: DrillOptions) => {
      const { drillCommand } = await import('./commands/drill.js');
      process.exitCode = await drillCommand('realserver', file, host, opts);
    });
  drill
    .command('redis-primary')
    .description(
      'stop Redis on the primary while the verify client writes, time until a new primary takes writes, count lost writes, restore',
    )
    .argument('<inventory>', 'inventory file (YAML)')
    .option('--json', 'print one JSON event per line; the last line is the result')
    .option('--limit <hosts>', `${LIMIT_HELP}; must select every real server`, collect, [])
    .action(async (file: string, opts: DrillOptions) => {
      const { drillCommand } = await import('./commands/drill.js');
      process.exitCode = await drillCommand('redis-primary', file, undefined, opts);
    });

  return program;
}

const LIMIT_HELP =
  'only these hosts: names, addresses, a group (directors, real_servers) or a glob (rs*); comma-separated or repeated';

/** A repeatable option: every occurrence counts (the last one does not silently win). */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.Ok;
  } catch (error) {
    if (error instanceof CommanderError && error.code === 'commander.error') return error.exitCode;
    if (error instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    // Ctrl-C (or a closed terminal) at any prompt: the user's choice, not a bug.
    if (error instanceof Error && error.name === 'ExitPromptError') {
      process.stderr.write('\nlbprov: aborted at a prompt\n');
      return ExitCode.Aborted;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      `lbprov: internal error: ${message}\nThis is a bug in lbprov; please report it with the command you ran.\n`,
    );
    return ExitCode.Internal;
  }
}

// Node 22.1+ keeps the modules it compiled on disk, so the next run skips compiling zod, yaml and
// ssh2 again (most of what a command loads). Node 20 has no such cache and starts as before.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();

process.exitCode = await main(process.argv);
