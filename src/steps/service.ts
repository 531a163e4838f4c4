import { z } from 'zod';
import { factValue } from '../facts/fact.js';
import type { InitSystem } from '../facts/host.js';
import { serviceFact } from '../facts/system.js';
import { shellQuote } from '../util/shell.js';
import { absolutePath, parseArgs } from './args.js';
import type { Action, Module, UndoRecord } from './types.js';

const schema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9@._-]*$/, 'must be a service name'),
    /** The daemon's process name: running is judged by the process, not by the init script. */
    process: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/)
      .optional(),
    /** For services without a daemon (a oneshot script): a read-only command that succeeds when "running". */
    status_command: z.string().min(1).optional(),
    pidfile: absolutePath.optional(),
    state: z.enum(['started', 'stopped', 'reloaded', 'restarted']).default('started'),
    enabled: z.boolean().optional(),
    /** Shell run after a successful reload, for what the daemon's own reload leaves undone; empty: none. */
    after_reload: z.string().optional(),
    /** Seconds to wait for the process to appear after a start. */
    start_timeout: z.number().int().min(1).max(600).default(15),
  })
  .strict()
  .refine((args) => (args.process === undefined) !== (args.status_command === undefined), {
    message: 'give either `process` or `status_command`',
  });

type ServiceArgs = z.output<typeof schema>;

function runningTest(args: ServiceArgs): string {
  // Grouped, so a compound command (`a; b`, `a | b`) is silenced whole, not only its last part.
  if (args.status_command) return `( ${args.status_command} ) >/dev/null 2>&1`;
  const byName = `pidof ${shellQuote(args.process ?? args.name)} >/dev/null`;
  if (!args.pidfile) return byName;
  const pidfile = shellQuote(args.pidfile);
  return `{ [ -s ${pidfile} ] && kill -0 "$(cat ${pidfile})" 2>/dev/null; } || ${byName}`;
}

function initCommand(init: InitSystem, name: string, verb: string): string {
  const n = shellQuote(name);
  // A unit file lbprov just wrote is only seen after daemon-reload.
  if (init === 'systemd') return `systemctl daemon-reload; systemctl ${verb} ${n}`;
  return `if command -v service >/dev/null; then service ${n} ${verb}; else /etc/init.d/${name} ${verb}; fi`;
}

/**
 * A start is proven by the process: it must appear within start_timeout and still be alive a second
 * later (a daemon that reads a bad config often exits just after its init script reported success).
 */
function startScript(init: InitSystem, args: ServiceArgs, verb: 'start' | 'restart'): string {
  const running = runningTest(args);
  return [
    `${initCommand(init, args.name, verb)} || true`,
    `i=0; while ! ( ${running} ); do i=$((i+1)); if [ $i -ge ${args.start_timeout * 5} ]; then echo ${shellQuote(`${args.name} is not running ${args.start_timeout}s after ${verb}: see its log (syslog, or journalctl -u ${args.name})`)} >&2; exit 1; fi; sleep 0.2; done`,
    'sleep 1',
    `if ! ( ${running} ); then echo ${shellQuote(`${args.name} started, then exited at once: its configuration was probably refused; see its log`)} >&2; exit 1; fi`,
  ].join('\n');
}

function stopScript(init: InitSystem, args: ServiceArgs): string {
  const running = runningTest(args);
  return [
    `${initCommand(init, args.name, 'stop')} || true`,
    `i=0; while ( ${running} ); do i=$((i+1)); if [ $i -ge 50 ]; then echo ${shellQuote(`${args.name} still runs 10s after stop`)} >&2; exit 1; fi; sleep 0.2; done`,
  ].join('\n');
}

function reloadScript(init: InitSystem, args: ServiceArgs): string {
  return [
    initCommand(init, args.name, 'reload'),
    'sleep 1',
    `if ! ( ${runningTest(args)} ); then echo ${shellQuote(`${args.name} exited after reload: its new configuration was probably refused; see its log`)} >&2; exit 1; fi`,
    ...(args.after_reload ? [args.after_reload] : []),
  ].join('\n');
}

function enableScript(init: InitSystem, name: string): string {
  const n = shellQuote(name);
  if (init === 'systemd') return `systemctl daemon-reload && systemctl enable ${n}`;
  return `if command -v update-rc.d >/dev/null; then update-rc.d ${n} defaults; elif command -v chkconfig >/dev/null; then chkconfig --add ${n} && chkconfig ${n} on; else echo 'no update-rc.d or chkconfig to enable ${name} at boot' >&2; exit 1; fi`;
}

function disableScript(init: InitSystem, name: string): string {
  const n = shellQuote(name);
  if (init === 'systemd') return `systemctl disable ${n} || true`;
  return `if command -v update-rc.d >/dev/null; then update-rc.d -f ${n} remove; elif command -v chkconfig >/dev/null; then chkconfig --del ${n}; fi`;
}

function serviceFactFor(args: ServiceArgs) {
  return serviceFact(args.name, runningTest(args));
}

export const serviceModule: Module<ServiceArgs> = {
  name: 'service',
  parseArgs: (raw) => parseArgs('service', schema, raw),
  facts: (args) => [serviceFactFor(args)],
  check(args, facts, host) {
    const init = host.facts.init;
    const state = factValue(facts, serviceFactFor(args));
    const actions: Action[] = [];
    const undo: UndoRecord[] = [];
    const said: string[] = [];
    const wantsRunning = args.state !== 'stopped';
    if (args.state === 'reloaded' || args.state === 'restarted') {
      if (!state.running) {
        actions.push({
          kind: 'shell',
          description: `start ${args.name}`,
          script: startScript(init, args, 'start'),
        });
        said.push('start (it was not running)');
      } else if (args.state === 'reloaded') {
        actions.push({ kind: 'shell', description: `reload ${args.name}`, script: reloadScript(init, args) });
        said.push('reload');
      } else {
        actions.push({
          kind: 'shell',
          description: `restart ${args.name}`,
          script: startScript(init, args, 'restart'),
        });
        said.push('restart');
      }
    } else if (wantsRunning && !state.running) {
      actions.push({
        kind: 'shell',
        description: `start ${args.name}`,
        script: startScript(init, args, 'start'),
      });
      undo.push({
        kind: 'shell',
        resource: `service:${args.name}:running`,
        description: `stop ${args.name}`,
        script: stopScript(init, args),
      });
      said.push('start');
    } else if (!wantsRunning && state.running) {
      actions.push({ kind: 'shell', description: `stop ${args.name}`, script: stopScript(init, args) });
      said.push('stop');
    }
    if (args.enabled === true && !state.enabled) {
      actions.push({
        kind: 'shell',
        description: `enable ${args.name} at boot`,
        script: enableScript(init, args.name),
      });
      undo.push({
        kind: 'shell',
        resource: `service:${args.name}:enabled`,
        description: `disable ${args.name} at boot`,
        script: disableScript(init, args.name),
      });
      said.push('enable at boot');
    } else if (args.enabled === false && state.enabled) {
      actions.push({
        kind: 'shell',
        description: `disable ${args.name} at boot`,
        script: disableScript(init, args.name),
      });
      said.push('disable at boot');
    }
    if (actions.length === 0) {
      return {
        status: 'ok',
        reason: `${args.name} is ${state.running ? 'running' : 'stopped'}${state.enabled ? ' and enabled' : ''}`,
      };
    }
    return { status: 'change', change: { description: `${args.name}: ${said.join(', ')}`, actions, undo } };
  },
};
