import { shellQuote } from '../util/shell.js';
import type { Fact } from './fact.js';

/** A kernel parameter's live value, read from /proc/sys (absent when the kernel has no such key). */
export function sysctlFact(name: string): Fact<string | undefined> {
  const path = `/proc/sys/${name.replace(/\./g, '/')}`;
  return {
    key: `sysctl:${name}`,
    command: `cat ${shellQuote(path)}`,
    parse: (output, code) => (code === 0 ? output.trim().replace(/\s+/g, ' ') : undefined),
  };
}

/** The exit code and output of a read-only command (`unless:` conditions, version checks). */
export function commandFact(command: string): Fact<{ code: number; output: string }> {
  return {
    key: `command:${command}`,
    command: `( ${command} ) 2>&1`,
    parse: (output, code) => ({ code, output }),
  };
}

/** Which of the named packages are installed, for the host's package manager. */
export function packagesFact(names: string[]): Fact<Set<string>> {
  const list = names.map(shellQuote).join(' ');
  return {
    key: `packages:${[...names].sort().join(',')}`,
    command: [
      'if command -v dpkg-query >/dev/null; then',
      `  dpkg-query -W -f='\${Package} \${db:Status-Status}\\n' ${list} 2>/dev/null | awk '$2 == "installed" { print $1 }'`,
      'elif command -v rpm >/dev/null; then',
      `  for p in ${list}; do rpm -q --quiet "$p" && echo "$p"; done`,
      'fi',
    ].join('\n'),
    parse: (output) =>
      new Set(
        output
          .split('\n')
          .map((line) => line.trim().replace(/:.*$/, ''))
          .filter(Boolean),
      ),
  };
}

export interface ServiceState {
  running: boolean;
  enabled: boolean;
  /** The unit or init script exists. */
  installed: boolean;
}

/**
 * Running means a live process, not an init script's opinion (the SysV script may exit 0 for a daemon
 * that died at once): the pid file's process, or a process with the daemon's name.
 */
export function serviceFact(name: string, processName: string, pidFile?: string): Fact<ServiceState> {
  const n = shellQuote(name);
  const pidCheck = pidFile
    ? `if [ -s ${shellQuote(pidFile)} ] && kill -0 "$(cat ${shellQuote(pidFile)})" 2>/dev/null; then echo running=yes; elif pidof ${shellQuote(processName)} >/dev/null; then echo running=yes; else echo running=no; fi`
    : `if pidof ${shellQuote(processName)} >/dev/null; then echo running=yes; else echo running=no; fi`;
  return {
    key: `service:${name}:${processName}:${pidFile ?? ''}`,
    command: [
      pidCheck,
      'if [ -d /run/systemd/system ]; then',
      `  if systemctl is-enabled ${n} >/dev/null 2>&1; then echo enabled=yes; else echo enabled=no; fi`,
      `  if systemctl cat ${n} >/dev/null 2>&1; then echo installed=yes; else echo installed=no; fi`,
      'else',
      `  if ls /etc/rc[2345].d/S??${n} >/dev/null 2>&1; then echo enabled=yes; else echo enabled=no; fi`,
      `  if [ -x /etc/init.d/${n} ]; then echo installed=yes; else echo installed=no; fi`,
      'fi',
    ].join('\n'),
    parse(output) {
      return {
        running: output.includes('running=yes'),
        enabled: output.includes('enabled=yes'),
        installed: output.includes('installed=yes'),
      };
    },
  };
}
