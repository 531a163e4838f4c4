import { shellQuote } from '../util/shell.js';
import { isVersionBelow } from './version.js';
import { escapeRegExp } from '../util/regexp.js';

/** A pattern a command's standard output must match (JavaScript syntax, `m` flag). */
export interface OutputExpectation {
  pattern: string;
  /** What a mismatch means, worded for the error message. */
  meaning: string;
}

interface BuildStep {
  name: string;
  /** A complete shell command; it changes into the source directory itself. */
  command: string;
  /** When present, the step fails unless its output meets this, whatever its exit code. */
  expectOutput?: OutputExpectation;
}

export interface BuildPlan {
  /** What is built, e.g. "keepalived 2.2.7". */
  subject: string;
  buildDependencies: { apt: string[]; dnf: string[] };
  steps: BuildStep[];
  /** Proves the installed result; every expectation must hold. */
  verify: { command: string; expect: OutputExpectation[] };
  /** What `make install` writes, for undo: files, or a whole directory it owns. */
  installedPaths: string[];
  /** The program the build exists for: its checksum is kept, and verify compares it. */
  binary: string;
}

export function outputMeets(expectation: OutputExpectation, output: string): boolean {
  return new RegExp(expectation.pattern, 'm').test(output);
}

/**
 * keepalived up to 1.2.23 looks for `net/ip_vs.h`, a header no current distribution ships, and
 * without it silently builds without LVS (defect 10). Pointing --with-kernel-dir at current headers
 * breaks the build (`conflicting types for 'fd_set'`); a one-line shim that includes the
 * kernel's `<linux/ip_vs.h>` works. 1.2.24 looks for `linux/ip_vs.h` itself.
 */
const FIRST_KEEPALIVED_WITHOUT_NET_IP_VS_H = '1.2.24';
/** `keepalived -v` lists "Config options:" (with LVS when built in) from 2.0.0 on. */
const FIRST_KEEPALIVED_LISTING_CONFIG_OPTIONS = '2.0.0';
/** ipvsadm 1.26 and older know only libnl-1, which current distributions dropped. */
const FIRST_IPVSADM_WITH_LIBNL3 = '1.27';

/**
 * A fix to a release's source, made before it is built, as a unified diff (the form distributions
 * carry their patches in). It is applied unless it is already in (a re-run, or a release that has
 * the fix), with no fuzz: a source that differs fails the step instead of being patched elsewhere.
 */
interface SourcePatch {
  name: string;
  /** Paths as `a/<path in the source folder>` and `b/...`, applied with -p1. */
  diff: string;
}

/**
 * keepalived 1.2.0 computes the VRRP header length as `VRRP_AUTH_LEN + (!empty) ? n * 4 : 0`:
 * the `?` binds last, so adverts go out without their authentication data. A peer then reads the
 * password from the wrong bytes and drops every advert ("receive an invalid passwd!"), and both
 * directors hold the VIP (measured with two 1.2.0 directors on the namespace lab). Later releases
 * add the missing parentheses.
 */
const VRRP_ADVERT_LENGTH_PATCH: SourcePatch = {
  name: 'VRRP advert length fix',
  diff: `--- a/keepalived/vrrp/vrrp.c
+++ b/keepalived/vrrp/vrrp.c
@@ -86,7 +86,7 @@
 {
 \tint len = sizeof (vrrp_pkt);
 \tif (vrrp->family == AF_INET)
-\t\tlen += VRRP_AUTH_LEN + (!LIST_ISEMPTY(vrrp->vip)) ? LIST_SIZE(vrrp->vip) * sizeof (uint32_t) : 0;
+\t\tlen += VRRP_AUTH_LEN + ((!LIST_ISEMPTY(vrrp->vip)) ? LIST_SIZE(vrrp->vip) * sizeof (uint32_t) : 0);
         return len;
 }
 
`,
};

/**
 * keepalived 1.2.0 closes its VRRP sockets before it says goodbye: on stop, the priority-0 advert
 * that tells the BACKUP to take over at once is never sent, so the BACKUP waits out three adverts
 * with nobody holding the VIP (4.1 s without PONG measured in the Vagrant lab's upgrade). Later
 * releases close the sockets after the goodbye, as this does; a reload still closes them first.
 */
const VRRP_GOODBYE_PATCH: SourcePatch = {
  name: 'VRRP stop advert fix',
  diff: `--- a/keepalived/vrrp/vrrp_daemon.c
+++ b/keepalived/vrrp/vrrp_daemon.c
@@ -52,7 +52,6 @@
 {
 \t/* Destroy master thread */
 \tsignal_handler_destroy();
-\tfree_vrrp_sockpool(vrrp_data);
 \tthread_destroy_master(master);
 
 \t/* Clear static entries */
@@ -61,6 +60,7 @@
 
 \tif (!(debug & 8))
 \t\tshutdown_vrrp_instances();
+\tfree_vrrp_sockpool(vrrp_data);
 \tfree_interface_queue();
 \tgratuitous_arp_close();
 \tndisc_close();
`,
};

/**
 * keepalived 1.2.0 hands the VIP over with nobody holding it. A BACKUP hearing a lower priority
 * ("forcing a new MASTER election") announces itself at once, so the MASTER lets go, yet takes the
 * VIP only when its own timer runs out; and becoming MASTER it sends its advert first and adds the
 * VIP one advert_int after. Measured on the namespace lab, a handover between two 1.2.0 directors
 * left the VIP on neither for 0.5 to 2 s, each way. With this the BACKUP takes over right there,
 * and becoming MASTER adds the VIP before its advert (as keepalived 2.0 does at the transition), so
 * the old MASTER lets go only once the new one holds it.
 */
const VRRP_TAKEOVER_PATCH: SourcePatch = {
  name: 'VRRP takeover fix',
  diff: `--- a/keepalived/vrrp/vrrp.c
+++ b/keepalived/vrrp/vrrp.c
@@ -736,15 +736,18 @@
 void
 vrrp_state_goto_master(vrrp_rt * vrrp)
 {
+\tvrrp->state = VRRP_STATE_MAST;
+\tlog_message(LOG_INFO, "VRRP_Instance(%s) Transition to MASTER STATE",
+\t       vrrp->iname);
+\tlog_message(LOG_INFO, "VRRP_Instance(%s) Entering MASTER STATE",
+\t       vrrp->iname);
+\tvrrp_state_become_master(vrrp);
+
 \t/*
 \t * Send an advertisement. To force a new master
 \t * election.
 \t */
 \tvrrp_send_adv(vrrp, vrrp->effective_priority);
-
-\tvrrp->state = VRRP_STATE_MAST;
-\tlog_message(LOG_INFO, "VRRP_Instance(%s) Transition to MASTER STATE",
-\t       vrrp->iname);
 }
 
 /* leaving master state */
@@ -832,8 +835,8 @@
 \t} else if (hd->priority < vrrp->effective_priority) {
 \t\tlog_message(LOG_INFO, "VRRP_Instance(%s) forcing a new MASTER election"
 \t\t\t\t    , vrrp->iname);
-\t\tvrrp->wantstate = VRRP_STATE_GOTO_MASTER;
-\t\tvrrp_send_adv(vrrp, vrrp->effective_priority);
+\t\tvrrp->wantstate = VRRP_STATE_MAST;
+\t\tvrrp_state_goto_master(vrrp);
 \t}
 }
 
`,
};

/**
 * ipvsadm 1.26 without libnl (the kernel's older setsockopt interface) tests `if (s->pe_name)` on
 * an array, always true: every service command (-A, -a, -d, and -L with -t) fails with "Operation
 * not supported with specified address family" (measured on Debian 12's kernel). Later releases
 * test the first character.
 */
const IPVSADM_PE_NAME_PATCH: SourcePatch = {
  name: 'persistence-engine check fix',
  diff: `--- a/libipvs/libipvs.c
+++ b/libipvs/libipvs.c
@@ -40,7 +40,7 @@
 \t{ errno = EAFNOSUPPORT; return ret; }\t\t\t\\
 \ts->__addr_v4 = s->addr.ip;\t\t\t\t\\
 
-#define CHECK_PE(s, ret) if (s->pe_name)\t\t\t\\
+#define CHECK_PE(s, ret) if (s->pe_name[0])\t\t\t\\
 \t{ errno = EAFNOSUPPORT; return ret; }
 
 #define CHECK_COMPAT_DEST(s, ret) CHECK_IPV4(s, ret)
`,
};

function sourcePatchStep(srcDir: string, patch: SourcePatch): BuildStep {
  const patchWith = (options: string) => `printf '%s' "$fix" | patch -p1 --fuzz=0 --silent ${options}`;
  return {
    name: patch.name,
    command:
      `cd ${shellQuote(srcDir)} && fix=${shellQuote(patch.diff)} && ` +
      // Already in when every hunk reverses; otherwise every hunk must fit before one is applied,
      // so a source that differs is left as it was.
      // --force: never take the reverse check's own question ("Unreversed patch detected") as yes.
      `{ ${patchWith('--force --reverse --dry-run')} >/dev/null 2>&1 || ` +
      `{ ${patchWith('--batch --forward --dry-run')} && ${patchWith('--batch --forward --no-backup-if-mismatch')}; }; }`,
  };
}

const SHIM_INCLUDE_DIR = 'lbprov-include';
const LVS_MISSING = 'the installed keepalived was built without LVS (VRRP only, defect 10)';
export const IPVSADM_BINARY = '/sbin/ipvsadm';
const LVS_PROBE_PREFIX = 'lbprov-probe: lvs=';

/**
 * configure's summary line. It reflects headers only: configure never asks the running kernel,
 * so a host whose kernel lacks IPVS still says Yes when the headers are present (and keepalived
 * then fails at start instead, see allow_vrrp_only). "No" means a VRRP-only binary: refuse it.
 */
const IPVS_FRAMEWORK_YES: OutputExpectation = {
  pattern: '^Use IPVS Framework\\s*:\\s*Yes\\s*$',
  meaning: 'configure would build keepalived without LVS (VRRP only): IPVS headers were not found',
};

export function keepalivedBuildPlan(opts: { version: string; prefix: string; srcDir: string }): BuildPlan {
  const { version, prefix, srcDir } = opts;
  requirePlainPath('keepalived prefix', prefix);
  requirePlainPath('keepalived source directory', srcDir);
  const inSource = `cd ${shellQuote(srcDir)} &&`;
  const legacy = isVersionBelow(version, FIRST_KEEPALIVED_WITHOUT_NET_IP_VS_H);
  const shimDir = `${srcDir}/${SHIM_INCLUDE_DIR}`;
  const configure = legacy
    ? // CPPFLAGS reaches configure's header check and, through @CPPFLAGS@, every Makefile.
      `${inSource} CPPFLAGS=${shellQuote(`-I${shimDir}`)} ./configure --prefix=${shellQuote(prefix)}`
    : // --with-init=SYSV keeps `make install` inside the prefix: on a systemd host configure
      // would also write a unit below /lib/systemd. lbprov installs its own init files.
      `${inSource} ./configure --prefix=${shellQuote(prefix)} --with-init=SYSV`;
  const shimStep: BuildStep = {
    name: 'net/ip_vs.h shim',
    command:
      `mkdir -p ${shellQuote(`${shimDir}/net`)} && ` +
      `printf '%s\\n' '#include <linux/ip_vs.h>' > ${shellQuote(`${shimDir}/net/ip_vs.h`)}`,
  };
  return {
    subject: `keepalived ${version}`,
    buildDependencies: legacy
      ? // linux-libc-dev / kernel-headers provide <linux/ip_vs.h>, which LVS support needs;
        // patch (not in a minimal install) applies the source patches.
        {
          apt: ['gcc', 'make', 'libc6-dev', 'linux-libc-dev', 'libssl-dev', 'libpopt-dev', 'patch'],
          dnf: ['gcc', 'make', 'glibc-devel', 'kernel-headers', 'openssl-devel', 'popt-devel', 'patch'],
        }
      : {
          apt: [
            'gcc',
            'make',
            'libc6-dev',
            'linux-libc-dev',
            'pkg-config',
            'libssl-dev',
            'libnl-3-dev',
            'libnl-genl-3-dev',
            'libpopt-dev',
          ],
          dnf: [
            'gcc',
            'make',
            'glibc-devel',
            'kernel-headers',
            'pkgconf-pkg-config',
            'openssl-devel',
            'libnl3-devel',
            'popt-devel',
          ],
        },
    steps: [
      ...(legacy
        ? [
            shimStep,
            ...[VRRP_ADVERT_LENGTH_PATCH, VRRP_GOODBYE_PATCH, VRRP_TAKEOVER_PATCH].map((p) =>
              sourcePatchStep(srcDir, p),
            ),
          ]
        : []),
      { name: 'configure', command: configure, expectOutput: IPVS_FRAMEWORK_YES },
      { name: 'make', command: `${inSource} make -j"$(nproc)"` },
      { name: 'make install', command: `${inSource} make install` },
    ],
    verify: {
      command: installedVersionCheck(prefix).command,
      expect: [
        {
          pattern: `^Keepalived v${escapeRegExp(version)} `,
          meaning: `the installed keepalived is not version ${version}`,
        },
        isVersionBelow(version, FIRST_KEEPALIVED_LISTING_CONFIG_OPTIONS)
          ? { pattern: `^${LVS_PROBE_PREFIX}yes$`, meaning: LVS_MISSING }
          : { pattern: '^Config options:.*\\bLVS\\b', meaning: LVS_MISSING },
      ],
    },
    // Everything goes below the prefix (sbin, bin, etc, share), so the prefix is the undo.
    installedPaths: [prefix],
    binary: keepalivedBinary(prefix),
  };
}

export function ipvsadmBuildPlan(opts: { version: string; srcDir: string }): BuildPlan {
  const { version, srcDir } = opts;
  requirePlainPath('ipvsadm source directory', srcDir);
  const inSource = `cd ${shellQuote(srcDir)} &&`;
  const libnl1Era = isVersionBelow(version, FIRST_IPVSADM_WITH_LIBNL3);
  // Without libnl-1, build against the kernel's older setsockopt interface (HAVE_NL=0). Its
  // popt detection looks for libpopt.a in directories Debian does not use, so name the library.
  const makeArgs = libnl1Era ? ' HAVE_NL=0 POPT_LIB=-lpopt' : '';
  return {
    subject: `ipvsadm ${version}`,
    buildDependencies: libnl1Era
      ? {
          apt: ['gcc', 'make', 'libc6-dev', 'linux-libc-dev', 'libpopt-dev', 'patch'],
          dnf: ['gcc', 'make', 'glibc-devel', 'kernel-headers', 'popt-devel', 'patch'],
        }
      : {
          apt: [
            'gcc',
            'make',
            'libc6-dev',
            'linux-libc-dev',
            'pkg-config',
            'libpopt-dev',
            'libnl-3-dev',
            'libnl-genl-3-dev',
          ],
          dnf: [
            'gcc',
            'make',
            'glibc-devel',
            'kernel-headers',
            'pkgconf-pkg-config',
            'popt-devel',
            'libnl3-devel',
          ],
        },
    steps: [
      ...(libnl1Era ? [sourcePatchStep(srcDir, IPVSADM_PE_NAME_PATCH)] : []),
      { name: 'make', command: `${inSource} make${makeArgs}` },
      // `install` depends on `all`: the same arguments keep make from rebuilding differently.
      { name: 'make install', command: `${inSource} make${makeArgs} install` },
    ],
    verify: {
      // `ipvsadm --version` initialises IPVS before it reads its options, so it fails on a kernel
      // without IPVS; the version string compiled into the binary answers everywhere.
      command: `grep -a -o -m 1 'ipvsadm v[0-9.]* ' ${IPVSADM_BINARY}`,
      expect: [
        {
          pattern: `^ipvsadm v${escapeRegExp(version)} `,
          meaning: `the installed ipvsadm is not version ${version}`,
        },
      ],
    },
    // The Makefile's fixed targets (SBIN=/sbin, MANDIR=usr/man, INIT=/etc/rc.d/init.d). On a
    // merged-/usr host, /sbin/ipvsadm is /usr/sbin/ipvsadm, which a distribution package may own.
    installedPaths: [
      IPVSADM_BINARY,
      '/sbin/ipvsadm-save',
      '/sbin/ipvsadm-restore',
      '/usr/man/man8/ipvsadm.8',
      '/usr/man/man8/ipvsadm-save.8',
      '/usr/man/man8/ipvsadm-restore.8',
      '/etc/rc.d/init.d/ipvsadm',
    ],
    binary: IPVSADM_BINARY,
  };
}

export function keepalivedBinary(prefix: string): string {
  return `${prefix}/sbin/keepalived`;
}

interface KeepalivedBuildInfo {
  version: string;
  /** Built with LVS (IPVS) support; 'unknown' when the output does not say. */
  lvs: boolean | 'unknown';
}

/**
 * Reads the installed keepalived's version and whether it has LVS. `-v` prints to stderr; 2.x
 * lists its build options, 1.x only the version, so the command also looks for the TCP_CHECK
 * keyword, which only the LVS health checker compiles in.
 */
export function installedVersionCheck(prefix: string): {
  command: string;
  parse: (output: string) => KeepalivedBuildInfo | undefined;
} {
  const binary = shellQuote(keepalivedBinary(prefix));
  return {
    command:
      `${binary} -v 2>&1; ` +
      `if grep -q -a -F TCP_CHECK ${binary} 2>/dev/null; ` +
      `then echo '${LVS_PROBE_PREFIX}yes'; else echo '${LVS_PROBE_PREFIX}no'; fi`,
    parse: parseKeepalivedVersion,
  };
}

/** `undefined` when the output holds no version line (keepalived is not installed there). */
export function parseKeepalivedVersion(output: string): KeepalivedBuildInfo | undefined {
  const version = /^Keepalived v(\d+(?:\.\d+)*)\b/m.exec(output)?.[1];
  if (version === undefined) return undefined;
  const configOptions = /^Config options:(.*)$/m.exec(output)?.[1];
  if (configOptions !== undefined) {
    return { version, lvs: configOptions.trim().split(/\s+/).includes('LVS') };
  }
  const probe = new RegExp(`^${LVS_PROBE_PREFIX}(yes|no)$`, 'm').exec(output)?.[1];
  return { version, lvs: probe === undefined ? 'unknown' : probe === 'yes' };
}

/** The plan as plain text, for dry runs and golden files. */
export function formatBuildPlan(plan: BuildPlan): string {
  const lines = [
    `# ${plan.subject}`,
    `build dependencies (apt): ${plan.buildDependencies.apt.join(' ')}`,
    `build dependencies (dnf): ${plan.buildDependencies.dnf.join(' ')}`,
    '',
  ];
  for (const step of plan.steps) {
    lines.push(`step: ${step.name}`, ...formatCommand(step.command));
    if (step.expectOutput) lines.push(...formatExpectation(step.expectOutput));
  }
  lines.push('', 'verify:', ...formatCommand(plan.verify.command));
  for (const expectation of plan.verify.expect) lines.push(...formatExpectation(expectation));
  lines.push('', 'installs:', ...plan.installedPaths.map((path) => `  ${path}`), '');
  return lines.join('\n');
}

/** `  $ ` opens a command, `  > ` continues it (a patch step's diff spans lines). */
function formatCommand(command: string): string[] {
  const [first = '', ...rest] = command.split('\n');
  return [`  $ ${first}`, ...rest.map((line) => `  > ${line}`)];
}

function formatExpectation(expectation: OutputExpectation): string[] {
  return [`  output must match /${expectation.pattern}/m`, `    else: ${expectation.meaning}`];
}

/**
 * The commands quote every path, but the projects' Makefiles do not: a prefix with a space or a
 * quote compiles into broken gcc and install command lines (measured with keepalived 2.2.7).
 * Refuse such paths here instead of failing halfway through a build.
 */
function requirePlainPath(what: string, path: string): void {
  if (!/^\/[A-Za-z0-9._+/-]*$/.test(path)) {
    throw new Error(
      `the ${what} must be an absolute path of letters, digits and . _ + - / only ` +
        `(the build's Makefiles do not quote paths): ${JSON.stringify(path)}`,
    );
  }
}
