/** How `lbprov verify` prints its checks: for people (verdict, detail, evidence) and as JSON lines. */
import type { VerifySummary } from './checks.js';
import type { VerifyScope } from './scope.js';
import type { Check, Evidence, Verdict } from './types.js';

const WORD: Record<Verdict, string> = { pass: 'PASS', fail: 'FAIL', not_provable: 'NOT PROVABLE' };

/** Evidence beyond this many lines is cut in the human report (--json keeps all of it). */
const EVIDENCE_LINES = 15;

function evidenceLines(evidence: Evidence): string[] {
  const lines = evidence.output === '' ? ['(no output)'] : evidence.output.split('\n');
  const shown = lines.slice(0, EVIDENCE_LINES).map((line) => `        ${line}`);
  if (lines.length > EVIDENCE_LINES) {
    shown.push(`        ... ${lines.length - EVIDENCE_LINES} more lines (--json shows all)`);
  }
  const command = evidence.command.replace(/\n/g, '\n          ');
  return [`      [${evidence.host}] $ ${command}  (exit ${evidence.exit_code})`, ...shown];
}

function evidenceKey(evidence: Evidence): string {
  return JSON.stringify([evidence.host, evidence.command, evidence.output, evidence.exit_code]);
}

/**
 * One check for people: verdict, host, what was checked, why, the evidence and what to do.
 * Evidence already printed for an earlier check (one command decides several) is referred to.
 */
export function checkLines(check: Check, printed: Set<string> = new Set()): string[] {
  const lines = [`${WORD[check.verdict].padEnd(13)} ${check.host}: ${check.title}`, `      ${check.detail}`];
  for (const evidence of check.evidence) {
    const key = evidenceKey(evidence);
    if (printed.has(key)) {
      const [first = ''] = evidence.command.split('\n');
      lines.push(
        `      [${evidence.host}] $ ${first}${first === evidence.command ? '' : ' ...'}  (output as above)`,
      );
    } else {
      printed.add(key);
      lines.push(...evidenceLines(evidence));
    }
  }
  if (check.hint) lines.push(`      what to do: ${check.hint}`);
  return lines;
}

export function reportLines(checks: Check[]): string[] {
  const printed = new Set<string>();
  return checks.flatMap((check) => checkLines(check, printed));
}

export function verifyExitCode(
  summary: VerifySummary,
  codes: { unreachable: number; failed: number },
): number {
  if (summary.unreachable > 0) return codes.unreachable;
  return summary.failed > 0 ? codes.failed : 0;
}

/** What --limit kept out of the run; nothing without --limit. */
export type LimitedBy = Pick<VerifyScope, 'leftOut' | 'notRun'>;

const NOTHING_LEFT_OUT: LimitedBy = { leftOut: [], notRun: [] };

export function summaryLines(
  checks: Check[],
  summary: VerifySummary,
  exitCode: number,
  limited: LimitedBy = NOTHING_LEFT_OUT,
): string[] {
  const lines = [
    '',
    `Summary: ${summary.passed} passed, ${summary.failed} failed, ${summary.not_provable} NOT PROVABLE` +
      (summary.unreachable > 0 ? `, ${summary.unreachable} host(s) unreachable` : ''),
  ];
  const failed = checks.filter((check) => check.verdict === 'fail');
  if (failed.length > 0) {
    lines.push('Failed:');
    for (const check of failed) lines.push(`  - ${check.host}: ${check.title}: ${check.detail}`);
  }
  const unprovable = checks.filter((check) => check.verdict === 'not_provable');
  if (unprovable.length > 0) {
    lines.push(`!! ${unprovable.length} check(s) NOT PROVABLE on this cluster (these are not passes):`);
    for (const check of unprovable) lines.push(`  !! ${check.host}: ${check.title}`);
  }
  const partial = limited.leftOut.length > 0;
  if (partial) lines.push(`Not checked: ${limited.leftOut.join(', ')} (left out by --limit)`);
  for (const { check, reason } of limited.notRun) lines.push(`Not run: ${check}: ${reason}`);
  lines.push(
    exitCode === 0
      ? `Verified: no check failed${summary.not_provable > 0 ? `, but ${summary.not_provable} could not be proven` : ''}${partial ? ' (only on the hosts --limit selected)' : ''}.`
      : `Verification FAILED (exit code ${exitCode}).`,
  );
  return lines;
}

export function jsonLines(
  checks: Check[],
  summary: VerifySummary,
  exitCode: number,
  limited: LimitedBy = NOTHING_LEFT_OUT,
): string[] {
  return [
    ...checks.map((check) => JSON.stringify({ type: 'check', ...check })),
    JSON.stringify({
      type: 'summary',
      ...summary,
      exit_code: exitCode,
      not_provable_checks: checks
        .filter((check) => check.verdict === 'not_provable')
        .map((check) => ({ check: check.check, host: check.host, title: check.title })),
      left_out: limited.leftOut,
      not_run: limited.notRun,
    }),
  ];
}
