import { formatDiagnostic, type Diagnostic } from '../../inventory/index.js';
import { trace } from '../trace.js';

/** An inventory finding as a --json event: validate's shape, whichever command the finding stops or warns. */
export function findingEvent(finding: Diagnostic): { type: Diagnostic['severity'] } & Diagnostic {
  return { type: finding.severity, ...finding };
}

/**
 * Where a command's warnings go (the inventory's, a recorded host key, ...): with --json they are
 * events on stdout like the report's own, so that stderr stays quiet but for a crash; otherwise a
 * line on stderr, beside the report.
 */
export function warningWriter(json: boolean | undefined): (warning: string | Diagnostic) => void {
  return (warning) => {
    const event = typeof warning === 'string' ? { type: 'warning', message: warning } : findingEvent(warning);
    trace().event(event);
    if (json) process.stdout.write(`${JSON.stringify(event)}\n`);
    else process.stderr.write(`${typeof warning === 'string' ? warning : formatDiagnostic(warning)}\n`);
  };
}
