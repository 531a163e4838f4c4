import type { Inventory } from '../model/inventory.js';
import { findRealServer } from '../verify/drill-realserver.js';
import { ExitCode } from '../util/exit-codes.js';
import { SetupError } from './session.js';

/**
 * drill failover stops keepalived on the MASTER and watches the BACKUP: both are its subject, so a
 * `--limit` (the names it selected) that leaves one out asks for a drill that cannot be run.
 */
export function checkFailoverLimit(inventory: Inventory, selected: ReadonlySet<string> | undefined): void {
  if (selected === undefined) return;
  const missing = inventory.directors.filter((director) => !selected.has(director.name));
  if (missing.length === 0) return;
  throw new SetupError(
    `drill failover needs both directors, and --limit leaves out ${missing
      .map((director) => `${director.name} (${director.state})`)
      .join(
        ', ',
      )}; add ${missing.length === 1 ? 'it' : 'them'} to --limit (e.g. --limit directors) or leave --limit out`,
    ExitCode.Usage,
  );
}

/**
 * The real server drill realserver stops: the one named, which `--limit` must select, or, when
 * none is named, the only real server `--limit` selects. The directors are only read (their IPVS
 * tables), so --limit does not need to name them.
 */
export function drillTarget(
  inventory: Inventory,
  named: string | undefined,
  selected: ReadonlySet<string> | undefined,
): string {
  const allowed = inventory.real_servers.filter((server) => selected?.has(server.name) ?? true);
  const names = (servers: { name: string }[]) => servers.map((server) => server.name).join(', ');
  if (named !== undefined) {
    const server = findRealServer(inventory, named);
    if (allowed.includes(server)) return server.name;
    throw new SetupError(
      allowed.length === 0
        ? `--limit selects no real server, so there is none to drill; add ${server.name} to --limit or leave --limit out`
        : `--limit leaves out ${server.name}, the real server to drill (it selects ${names(allowed)}); add ${server.name} to --limit or drill one it selects`,
      ExitCode.Usage,
    );
  }
  if (selected !== undefined && allowed.length === 1) return allowed[0]!.name;
  throw new SetupError(
    selected === undefined
      ? `drill realserver needs the real server to stop: name it (real servers: ${names(allowed)}) or select one with --limit`
      : allowed.length === 0
        ? `--limit selects no real server, so there is none to drill (real servers: ${names(inventory.real_servers)})`
        : `--limit selects ${allowed.length} real servers (${names(allowed)}) and the drill stops one: name it, or narrow --limit to one`,
    ExitCode.Usage,
  );
}
