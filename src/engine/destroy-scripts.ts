import { dirname, basename } from 'node:path';
import type { UndoRecord } from '../steps/types.js';
import { shellQuote } from '../util/shell.js';
import { LOCK_PATH } from './lock.js';
import { backupPathFor, RECORD_DIR } from './record.js';

/**
 * The shell scripts destroy runs, one per undo step. Each checks the host itself right before it
 * acts (so what it reports is what it found under the lock, not what a probe saw earlier) and says
 * what it found on lines starting with MARK; everything else in its output is for error messages.
 */
const MARK = 'lbprov-destroy:';

export type Finding =
  /** Nothing to undo: the path is already gone, or the packages are no longer installed. */
  | 'absent'
  /** restore_file: the backup is not there, so nothing was restored. */
  | 'backup-missing'
  /** The file changed since lbprov wrote it: a copy was kept before it was removed or restored. */
  | 'kept-copy'
  /** remove_dir: something lbprov did not put there is in the folder, so the folder stays. */
  | 'not-empty';

const FINDINGS: readonly Finding[] = ['absent', 'backup-missing', 'kept-copy', 'not-empty'];

function say(finding: Finding): string {
  return `echo ${shellQuote(`${MARK} ${finding}`)}`;
}

export function findingsIn(stdout: string): Set<Finding> {
  const found = new Set<Finding>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(`${MARK} `)) continue;
    const finding = FINDINGS.find((candidate) => candidate === line.slice(MARK.length + 1).trim());
    if (finding) found.add(finding);
  }
  return found;
}

/** Where destroy keeps a file someone changed after lbprov wrote it: beside it, named after the run. */
export function modifiedCopyPath(path: string, runId: string): string {
  return `${path}.lbprov-modified-${runId}`;
}

interface FileUndo {
  path: string;
  /** sha256 of what lbprov last wrote there; absent for files lbprov did not write itself (downloads). */
  writtenSha?: string;
  /** Where a changed file is copied to before it goes. */
  copyTo: string;
}

function absentExit(path: string): string {
  const p = shellQuote(path);
  return `if [ ! -e ${p} ] && [ ! -L ${p} ]; then ${say('absent')}; exit 0; fi`;
}

/**
 * A copy of the file if it is neither what lbprov wrote nor, for a restore, already the original
 * (a destroy interrupted right after restoring it must not take the original for a hand edit).
 */
function keepIfChanged(file: FileUndo, original?: string): string[] {
  if (!file.writtenSha) return [];
  const p = shellQuote(file.path);
  const sum = (path: string): string => `"$(sha256sum < ${shellQuote(path)} | cut -d' ' -f1)"`;
  const notOriginal = original ? ` && [ ${sum(file.path)} != ${sum(original)} ]` : '';
  return [
    `if [ -f ${p} ] && [ ${sum(file.path)} != ${shellQuote(file.writtenSha)} ]${notOriginal}; then`,
    `  cp -p ${p} ${shellQuote(file.copyTo)}`,
    `  ${say('kept-copy')}`,
    'fi',
  ];
}

export function removeFileScript(file: FileUndo): string {
  // `rm -f` refuses a folder: if one took the file's place, the step fails and says so.
  return ['set -e', absentExit(file.path), ...keepIfChanged(file), `rm -f ${shellQuote(file.path)}`].join(
    '\n',
  );
}

/** Copies the backup beside the file, then renames it over the file: a crash never leaves half a file. */
export function restoreFileScript(file: FileUndo, backup: string): string {
  const b = shellQuote(backup);
  const tmp = `${shellQuote(dirname(file.path))}/${shellQuote(`.lbprov-restore-${basename(file.path)}`)}.$$`;
  return [
    'set -e',
    `if [ ! -e ${b} ]; then ${say('backup-missing')}; exit 0; fi`,
    ...keepIfChanged(file, backup),
    `tmp=${tmp}`,
    `trap 'rm -f "$tmp"' EXIT`,
    // -p keeps the original's mode, owner and times, as the backup kept them.
    `cp -p ${b} "$tmp"`,
    `mv -f "$tmp" ${shellQuote(file.path)}`,
  ].join('\n');
}

/**
 * Puts back what a build overwrote, file or folder, from the copy kept before: copied beside it
 * first, so the original is gone only once its copy is complete.
 */
export function restorePathScript(path: string, backup: string): string {
  const b = shellQuote(backup);
  const tmp = `${shellQuote(dirname(path))}/${shellQuote(`.lbprov-restore-${basename(path)}`)}.$$`;
  return [
    'set -e',
    `if [ ! -e ${b} ] && [ ! -L ${b} ]; then ${say('backup-missing')}; exit 0; fi`,
    `tmp=${tmp}`,
    `trap 'rm -rf "$tmp"' EXIT`,
    `cp -a ${b} "$tmp"`,
    `rm -rf ${shellQuote(path)}`,
    `mv "$tmp" ${shellQuote(path)}`,
  ].join('\n');
}

export function removeTreeScript(path: string): string {
  return ['set -e', absentExit(path), `rm -rf ${shellQuote(path)}`].join('\n');
}

/** rmdir, never rm -r: whatever else went into the folder since is not lbprov's to remove. */
export function removeDirScript(path: string): string {
  const p = shellQuote(path);
  return [
    absentExit(path),
    `if [ -d ${p} ] && [ ! -L ${p} ] && [ -z "$(ls -A ${p})" ]; then rmdir ${p}; exit $?; fi`,
    say('not-empty'),
  ].join('\n');
}

/** Where apt logs each transaction, with every package it installed (rotated monthly, compressed). */
const APT_LOG_DIR = '/var/log/apt';

/**
 * Every package apt installed in the newest transaction that installed each package of `$installed`,
 * read from apt's own history, oldest log first. Prints one name per line.
 */
function installedWithScript(logDir: string): string {
  const d = shellQuote(logDir);
  const history = [
    `for n in $(seq 20 -1 1); do for f in ${d}/history.log.$n.gz ${d}/history.log.$n; do if [ -f "$f" ]; then zcat -f "$f"; fi; done; done`,
    `if [ -f ${d}/history.log ]; then cat ${d}/history.log; fi`,
  ].join('; ');
  const awk = [
    'BEGIN { n = split(wanted, w, " "); for (i = 1; i <= n; i++) want[w[i]] = 1 }',
    '/^Start-Date:/ { count = 0 }',
    '/^Install: / { m = split(substr($0, 10), items, /\\), /); for (i = 1; i <= m; i++) { name = items[i]; sub(/[: ].*/, "", name); pkgs[++count] = name } }',
    '/^End-Date:/ { list = ""; for (i = 1; i <= count; i++) list = list " " pkgs[i]; for (i = 1; i <= count; i++) if (pkgs[i] in want) txn[pkgs[i]] = list; count = 0 }',
    'END { for (p in txn) print txn[p] }',
  ].join('\n');
  return `{ ${history}; } | awk -v wanted="$(echo $installed)" ${shellQuote(awk)} | tr ' ' '\\n' | sed '/^$/d' | sort -u`;
}

/**
 * Purges the packages lbprov installed that are still there, then the dependencies apt installed
 * with them (per its history) that nothing needs any more; never a package that was there before,
 * and never, silently, software installed since that depends on them.
 */
export function removePackagesScript(
  manager: 'apt' | 'dnf' | 'yum',
  packages: string[],
  aptLogDir = APT_LOG_DIR,
): string {
  const list = packages.map(shellQuote).join(' ');
  const refuse =
    'echo "removing $(echo $installed) would also remove what depends on them: $(echo $others); remove those first, or run destroy without --remove-packages to keep the packages" >&2; exit 1';
  if (manager === 'apt') {
    const names = `awk '$1 == "Purg" || $1 == "Remv" { sub(/:.*/, "", $2); print $2 }'`;
    return [
      'export DEBIAN_FRONTEND=noninteractive',
      `installed=$(dpkg-query -W -f='\${Package} \${db:Status-Status}\\n' ${list} 2>/dev/null | awk '$2 == "installed" { print $1 }')`,
      `if [ -z "$installed" ]; then ${say('absent')}; exit 0; fi`,
      'set -e',
      `came_with=$(${installedWithScript(aptLogDir)})`,
      `others=$(apt-get -s purge $installed | ${names} | grep -v -x -F "$installed" || true)`,
      `if [ -n "$others" ]; then ${refuse}; fi`,
      'apt-get purge -y -q $installed',
      `orphans=$(apt-get -s autoremove | ${names})`,
      'leftovers=$(if [ -n "$came_with" ] && [ -n "$orphans" ]; then printf \'%s\\n\' $orphans | grep -x -F "$came_with" || true; fi)',
      'if [ -n "$leftovers" ]; then apt-get purge -y -q $leftovers; fi',
    ].join('\n');
  }
  // dnf removes the dependencies it installed with them and nothing needs by default; yum when asked.
  const remove =
    manager === 'yum' ? 'yum remove -y -q --setopt=clean_requirements_on_remove=1' : 'dnf remove -y -q';
  return [
    `installed=$(for p in ${list}; do rpm -q --quiet "$p" && echo "$p"; done)`,
    `if [ -z "$installed" ]; then ${say('absent')}; exit 0; fi`,
    `if ! others=$(rpm -e --test $installed 2>&1); then ${refuse}; fi`,
    `${remove} $installed`,
  ].join('\n');
}

/**
 * The lock file goes while this run still holds it (flock keeps working on an unlinked file); the
 * lock holder removes the info file itself when it is released.
 */
export function forgetScript(): string {
  return `rm -rf ${shellQuote(RECORD_DIR)} && rm -f ${shellQuote(LOCK_PATH)}`;
}

/**
 * The script that undoes one entry in run `runId`; `writtenSha` is what lbprov last wrote to the
 * entry's file, if it wrote one.
 */
export function undoScript(entry: UndoRecord, runId: string, writtenSha?: string): string {
  switch (entry.kind) {
    case 'remove_file':
      return removeFileScript({ path: entry.path, writtenSha, copyTo: modifiedCopyPath(entry.path, runId) });
    case 'restore_file':
      return restoreFileScript(
        { path: entry.path, writtenSha, copyTo: modifiedCopyPath(entry.path, runId) },
        backupPathFor(entry.path),
      );
    case 'remove_tree':
      return removeTreeScript(entry.path);
    case 'restore_path':
      return restorePathScript(entry.path, backupPathFor(entry.path));
    case 'remove_dir':
      return removeDirScript(entry.path);
    case 'shell':
      return entry.script;
    case 'remove_packages':
      return removePackagesScript(entry.manager, entry.packages);
  }
}
