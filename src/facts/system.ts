import { shellQuote } from '../util/shell.js';
import type { Fact } from './fact.js';

/** A kernel parameter's live value, read from /proc/sys (absent when the kernel has no such key). */
export function sysctlFact(name: string): Fact<string | undefined> {
  const path = `/proc/sys/${name.replace(/\./g, '/')}`;
  const p = shellQuote(path);
  return {
    key: `sysctl:${name}`,
    inline: true,
    // `cat`, not the shell's `read`: dash reads a byte at a time, and an integer key answers a
    // read at any offset but 0 with end-of-file (dash would see `3` for `32768 60999`).
    command: `cat ${p}`,
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
    inline: true,
    command: [
      'if command -v dpkg-query >/dev/null; then',
      // `<name>=<status>`, filtered here (parse) rather than by an awk on the host.
      `  dpkg-query -W -f='\${Package}=\${db:Status-Status}\\n' ${list} 2>/dev/null`,
      'elif command -v rpm >/dev/null; then',
      `  for lbp_p in ${list}; do rpm -q --quiet "$lbp_p" && echo "$lbp_p"; done`,
      'fi',
    ].join('\n'),
    parse: (output) =>
      new Set(
        output
          .split('\n')
          .map((line) => line.trim())
          // dpkg-query: `<name>=<status>`, installed only when the status says so; rpm: `<name>`.
          .filter((line) => !line.includes('=') || line.endsWith('=installed'))
          .map((line) => line.replace(/=.*$/, '').replace(/:.*$/, ''))
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
 * Running is judged by `runningTest` (a live process, or a status command), never by an init
 * script's exit code: the SysV script may exit 0 for a daemon that died at once.
 */
export function serviceFact(name: string, runningTest: string): Fact<ServiceState> {
  const n = shellQuote(name);
  return {
    key: `service:${name}:${runningTest}`,
    // The running test runs in a subshell of its own: whatever it does (exit included) stays there.
    inline: true,
    command: [
      `if ( ${runningTest} ); then echo running=yes; else echo running=no; fi`,
      'if [ -d /run/systemd/system ]; then',
      `  if systemctl is-enabled ${n} >/dev/null 2>&1; then echo enabled=yes; else echo enabled=no; fi`,
      `  if systemctl cat ${n} >/dev/null 2>&1; then echo installed=yes; else echo installed=no; fi`,
      'else',
      // What `ls` of the glob would say (a match), with the shell's own glob: no ls per service.
      `  lbp_e=no; for lbp_f in /etc/rc[2345].d/S??${n}; do if [ -e "$lbp_f" ] || [ -L "$lbp_f" ]; then lbp_e=yes; break; fi; done; echo "enabled=$lbp_e"`,
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
