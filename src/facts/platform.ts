import type { Fact } from './fact.js';

/**
 * What a compiled program depends on besides its build options: the distribution and release (the
 * libraries and headers it was built against), the machine architecture and the C library. Two
 * hosts that answer the same can run each other's build.
 */
export const buildPlatformFact: Fact<string> = {
  key: 'build-platform',
  command: [
    'if [ -r /etc/os-release ]; then . /etc/os-release; fi',
    'printf "%s %s %s %s\\n" "${ID:-unknown}" "${VERSION_ID:-unknown}" "$(uname -m)" ' +
      '"$(getconf GNU_LIBC_VERSION 2>/dev/null || echo libc-unknown)"',
  ].join('\n'),
  parse(output, code) {
    const line = output.trim().split('\n')[0] ?? '';
    // A host that cannot say what it is shares no build: it compiles its own.
    if (code !== 0 || line.split(' ').length !== 5 || /unknown/.test(line)) return '';
    return line;
  },
};
