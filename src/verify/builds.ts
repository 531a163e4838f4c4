/** Whether the programs lbprov compiled on a director are still the ones it installed. */
import { RECORD_PATH, type BuildRecord } from '../engine/record.js';
import type { Check, Evidence } from '../engine/events.js';
import type { Inventory } from '../model/inventory.js';
import { IPVSADM_BINARY, keepalivedBinary } from '../render/build-recipes.js';
import { shellQuote } from '../util/shell.js';
import { escapeRegExp } from '../util/regexp.js';

/** The programs lbprov compiles on a director, where the inventory puts them. */
export function builtPrograms(inventory: Inventory): string[] {
  return [keepalivedBinary(inventory.keepalived.prefix), IPVSADM_BINARY];
}

/**
 * The checksums of the programs now, then the record's `builds` section: the record is written by
 * lbprov as indented JSON, so that section is the lines from `  "builds": {` to the next `  }`.
 */
export function buildsCommand(binaries: readonly string[]): string {
  return [
    `sha256sum ${binaries.map(shellQuote).join(' ')} 2>&1`,
    `echo ${RECORD_SECTION_MARKER}`,
    `sed -n '/^  "builds": {/,/^  }/p' ${RECORD_PATH} 2>/dev/null`,
  ].join('; ');
}

const RECORD_SECTION_MARKER = 'lbprov-recorded-builds';

function parseBuildsEvidence(output: string): {
  sums: Map<string, string>;
  recorded: Map<string, BuildRecord>;
} {
  const at = output.indexOf(`${RECORD_SECTION_MARKER}\n`);
  const sumsText = at < 0 ? output : output.slice(0, at);
  const sums = new Map<string, string>();
  for (const match of sumsText.matchAll(/^([0-9a-f]{64}) [ *](.+)$/gm)) sums.set(match[2]!, match[1]!);
  const section = at < 0 ? '' : output.slice(at + RECORD_SECTION_MARKER.length + 1).trim();
  let recorded = new Map<string, BuildRecord>();
  if (section) {
    try {
      const parsed = JSON.parse(`{${section.replace(/,$/, '')}}`) as { builds?: Record<string, BuildRecord> };
      recorded = new Map(Object.entries(parsed.builds ?? {}));
    } catch {
      // An unreadable section proves nothing either way: no check, as for a host lbprov built nothing on.
    }
  }
  return { sums, recorded };
}

/** One check per program lbprov compiled there; none when it built nothing (found it installed). */
export function decideBuilds(director: string, evidence: Evidence): Check[] {
  const { sums, recorded } = parseBuildsEvidence(evidence.output);
  return [...recorded].map(([binary, build]) => {
    const base = {
      check: 'build-checksum' as const,
      host: director,
      title: `${build.subject} is the build lbprov installed`,
      evidence: [evidence],
    };
    const now = sums.get(binary);
    const origin = `compiled on ${build.built_on}, sha256 ${build.sha256.slice(0, 12)}`;
    if (now === build.sha256)
      return { ...base, verdict: 'pass', detail: `${binary} is lbprov's build (${origin})` };
    if (now === undefined) {
      const missing = new RegExp(`^sha256sum: ${escapeRegExp(binary)}: `, 'm').test(evidence.output);
      return missing
        ? {
            ...base,
            verdict: 'fail',
            detail: `${binary} is gone (lbprov installed ${build.subject} there, ${origin})`,
            hint: 'run `lbprov apply` to build and install it again',
          }
        : {
            ...base,
            verdict: 'not_provable',
            detail: `${binary} was not checked: the inventory no longer builds ${build.subject} there`,
          };
    }
    return {
      ...base,
      verdict: 'fail',
      detail: `${binary} was replaced since lbprov installed it (sha256 now ${now.slice(0, 12)}; lbprov's build: ${origin})`,
      hint: `find out what replaced it (a package, a manual build); \`lbprov apply\` keeps a binary of the right version, so remove ${binary} and apply to get lbprov's build back`,
    };
  });
}
