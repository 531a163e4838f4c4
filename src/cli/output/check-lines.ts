/** How `lbprov verify`'s checks read for people: verdict, detail, evidence and what to do. */
import type { Check, Evidence, Verdict, VerifySummary } from '../../engine/events.js';

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
export function checkLines(check: Check, printed: Set<string>): string[] {
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

/** The verdict of a verify run, naming each check that failed and each that could not be proven. */
export function verifySummaryLines(summary: VerifySummary, checks: readonly Check[]): string[] {
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
  if (summary.not_provable_checks.length > 0) {
    lines.push(
      `!! ${summary.not_provable_checks.length} check(s) NOT PROVABLE on this cluster (these are not passes):`,
    );
    for (const check of summary.not_provable_checks) lines.push(`  !! ${check.host}: ${check.title}`);
  }
  const partial = summary.left_out.length > 0;
  if (partial) lines.push(`Not checked: ${summary.left_out.join(', ')} (left out by --limit)`);
  for (const { check, reason } of summary.not_run) lines.push(`Not run: ${check}: ${reason}`);
  lines.push(
    summary.exit_code === 0
      ? `Verified: no check failed${summary.not_provable > 0 ? `, but ${summary.not_provable} could not be proven` : ''}${partial ? ' (only on the hosts --limit selected)' : ''}.`
      : `Verification FAILED (exit code ${summary.exit_code}).`,
  );
  return lines;
}
