import { z } from 'zod';
import { factValue } from '../facts/fact.js';
import { fileFact } from '../facts/files.js';
import { sysctlFact } from '../facts/system.js';
import { shellQuote } from '../util/shell.js';
import { absolutePath, parseArgs } from './args.js';
import { checkFile } from './file-change.js';
import { withLine } from './line-in-file.js';
import type { Action, Change, Module, UndoRecord } from './types.js';
import { escapeRegExp } from '../util/regexp.js';

const sysctlName = z
  .string()
  .regex(/^[a-z0-9_]+(\.[a-z0-9_-]+)+$/, 'must be a sysctl name such as net.ipv4.ip_forward');

const schema = z
  .object({
    /** Where the settings persist: /etc/sysctl.conf or a file under /etc/sysctl.d/. */
    file: absolutePath.default('/etc/sysctl.conf'),
    values: z.record(sysctlName, z.union([z.string().regex(/^[0-9 ]+$/), z.number().int()])),
  })
  .strict();

type SysctlArgs = z.output<typeof schema>;

/** Kernel parameters set now (live) and persistently (a `name = value` line in `file`). */
export const sysctlModule: Module<SysctlArgs> = {
  name: 'sysctl',
  parseArgs: (raw) => parseArgs('sysctl', schema, raw),
  facts: (args) => [fileFact(args.file), ...Object.keys(args.values).map(sysctlFact)],
  check(args, facts) {
    const fileState = factValue(facts, fileFact(args.file));
    if (fileState.exists && fileState.type === 'file' && fileState.content === undefined) {
      return { status: 'fail', reason: `${args.file} is too large to edit`, hint: 'edit it by hand' };
    }
    let text = fileState.exists ? (fileState.content?.toString('utf8') ?? '') : '';
    const actions: Action[] = [];
    const undo: UndoRecord[] = [];
    const live: string[] = [];
    for (const [name, raw] of Object.entries(args.values)) {
      // As the kernel shows it (sysctlFact reads tabs and runs of spaces as one space).
      const wanted = String(raw).trim().replace(/\s+/g, ' ');
      text = withLine(text, new RegExp(`^\\s*${escapeRegExp(name)}\\s*=`), `${name} = ${wanted}`);
      const current = factValue(facts, sysctlFact(name));
      if (current === undefined) {
        return {
          status: 'fail',
          reason: `this kernel has no ${name}`,
          hint: 'check the name; some keys exist only once a module is loaded',
        };
      }
      if (current !== wanted) {
        live.push(`${name} ${current} -> ${wanted}`);
        const path = `/proc/sys/${name.replace(/\./g, '/')}`;
        actions.push({
          kind: 'shell',
          description: `set ${name} = ${wanted} now`,
          script: `printf '%s\\n' ${shellQuote(wanted)} > ${shellQuote(path)}`,
        });
        undo.push({
          kind: 'shell',
          resource: `sysctl:${name}`,
          description: `set ${name} back to ${current}`,
          script: `printf '%s\\n' ${shellQuote(current)} > ${shellQuote(path)}`,
        });
      }
    }
    const persisted = checkFile(
      {
        path: args.file,
        content: Buffer.from(text, 'utf8'),
        mode: fileState.exists ? fileState.mode : 0o644,
        owner: fileState.exists ? fileState.owner : 'root',
        group: fileState.exists ? fileState.group : 'root',
      },
      fileState,
    );
    if (persisted.status === 'fail') return persisted;
    if (persisted.status !== 'change' && actions.length === 0) {
      return { status: 'ok', reason: `${Object.keys(args.values).join(', ')} set live and in ${args.file}` };
    }
    const parts: string[] = [];
    const change: Change = { description: '', actions: [], undo: [] };
    if (persisted.status === 'change') {
      parts.push(`persist in ${args.file}`);
      change.actions.push(...persisted.change.actions);
      change.undo.push(...persisted.change.undo);
      if (persisted.change.diff) change.diff = persisted.change.diff;
    }
    if (live.length > 0) parts.push(`live: ${live.join(', ')}`);
    change.actions.push(...actions);
    change.undo.push(...undo);
    change.description = parts.join('; ');
    return { status: 'change', change };
  },
};
