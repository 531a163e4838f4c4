import { readLocalFile, whyUnreadable } from '../util/local-file.js';
import { clip, escapeUnprintable } from '../util/printable.js';
import os from 'node:os';
import type { z } from 'zod';
import type { Inventory } from '../model/inventory.js';
import { adviceFor } from './advice.js';
import { formatPath, type Diagnostic, type PathSegment } from './diagnostic.js';
import type { Finding } from './finding.js';
import { crossFieldErrors, type ParsedSections } from './rules.js';
import { findingsFromIssues } from './schema-issues.js';
import { schemaKeysAt } from './schema-keys.js';
import { inventorySchema, sectionSchemas, type InventoryFile, type SectionName } from './schema.js';
import { parseYaml, type YamlSource } from './yaml-source.js';
import { expandLocalPath, toModel, type SshConfigSource } from './to-model.js';
import { OpenSshConfig, SshConfigError } from './ssh-config.js';
import { inventorySshFiles, sshFileProblems } from './ssh-files.js';
import path from 'node:path';

export interface LoadResult {
  /** Present only when there are no errors. */
  inventory?: Inventory;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

interface LoadOptions {
  /**
   * The caller connects to the hosts next (apply, status, ...): a key file that does not exist is
   * an error. Otherwise (validate) it is a warning: an inventory may be checked where its keys are
   * not (CI, a colleague's machine). A special file or one too big is an error either way.
   */
  connecting?: boolean;
}

/** An inventory is a few kilobytes; 4 MiB leaves room for a thousand hosts and stops a device. */
const MAX_INVENTORY_BYTES = 4 * 1024 * 1024;

const HOW_TO_START = 'run `lbprov init <file>` to write one, or copy inventory/seed.yaml and edit it';

/**
 * Reads and validates an inventory file, and the key and known_hosts files it names; never throws
 * for anything the user can fix.
 */
export async function loadInventory(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  options: LoadOptions = {},
): Promise<LoadResult> {
  let text: string;
  try {
    text = (await readLocalFile(file, MAX_INVENTORY_BYTES)).toString('utf8');
  } catch (error) {
    const { reason, missing } = whyUnreadable(error);
    return printable({
      errors: [fileError(file, reason, missing ? HOW_TO_START : undefined)],
      warnings: [],
    });
  }
  const result = validate(text, file, env);
  if (!result.data) return printable(result);
  const home = env.HOME ?? os.homedir();
  const sshConfig = await readSshConfig(result.data.ssh.config_file, file, home);
  if ('error' in sshConfig) return printable({ errors: [sshConfig.error], warnings: result.warnings });
  const loaded = modelled(result, file, home, sshConfig);
  if (!loaded.inventory || !result.source) return printable(loaded);
  return printable(await withSshFiles(loaded, loaded.inventory, result.data, result.source, file, options));
}

/** The model's files read as a connection reads them, each problem pinned to the key that names the file. */
async function withSshFiles(
  loaded: LoadResult,
  inventory: Inventory,
  data: InventoryFile,
  source: YamlSource,
  file: string,
  options: LoadOptions,
): Promise<LoadResult> {
  const problems = await sshFileProblems(inventorySshFiles(data, inventory));
  const isError = (problem: { missing: boolean }) => options.connecting === true || !problem.missing;
  const pin = (severity: Diagnostic['severity']) => (f: Finding) => toDiagnostic(f, severity, file, source);
  const errors = problems.filter(isError).map(pin('error'));
  const warnings = sortByPosition([
    ...loaded.warnings,
    ...problems.filter((p) => !isError(p)).map(pin('warning')),
  ]);
  return errors.length > 0 ? { errors: sortByPosition(errors), warnings } : { ...loaded, warnings };
}

/** An OpenSSH client config is a few kilobytes too. */
const MAX_SSH_CONFIG_BYTES = 1024 * 1024;

/**
 * The inventory's ssh.config_file, else ~/.ssh/config when there is one (as ssh reads it); `none`
 * reads none. A file the inventory names must exist.
 */
async function readSshConfig(
  named: string | undefined,
  inventoryFile: string,
  home: string,
): Promise<SshConfigSource | { error: Diagnostic }> {
  const localUser = os.userInfo().username;
  if (named === 'none') return { config: OpenSshConfig.empty, localUser };
  const file =
    named === undefined
      ? path.join(home, '.ssh', 'config')
      : expandLocalPath(named, path.dirname(path.resolve(inventoryFile)), home);
  let text: string;
  try {
    text = (await readLocalFile(file, MAX_SSH_CONFIG_BYTES)).toString('utf8');
  } catch (error) {
    const { reason, missing } = whyUnreadable(error);
    if (missing && named === undefined) return { config: OpenSshConfig.empty, localUser };
    return {
      error: {
        ...fileError(
          inventoryFile,
          `ssh.config_file ${file}: ${reason}`,
          'point ssh.config_file at an OpenSSH client config, or set it to none',
        ),
        path: 'ssh.config_file',
      },
    };
  }
  try {
    return { file, config: OpenSshConfig.parse(text, file), localUser };
  } catch (error) {
    return { error: fileError(file, withoutFilePrefix((error as Error).message, file)) };
  }
}

/** The diagnostic names the file itself. */
function withoutFilePrefix(message: string, file: string): string {
  return message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message;
}

/** The model, or the OpenSSH config's objection to one of its hosts. */
function modelled(result: Validated, file: string, home: string, sshConfig?: SshConfigSource): LoadResult {
  const { data, errors, warnings } = result;
  if (!data) return { errors, warnings };
  try {
    return { inventory: toModel(data, file, home, sshConfig), errors, warnings };
  } catch (error) {
    if (!(error instanceof SshConfigError)) throw error;
    return {
      errors: [
        fileError(
          sshConfig?.file ?? file,
          withoutFilePrefix(error.message, sshConfig?.file ?? ''),
          "fix that entry of the OpenSSH config, or set the host's ssh settings in the inventory",
        ),
      ],
      warnings,
    };
  }
}

/** The whole validation without touching the disk: `fileName` labels messages and anchors relative paths. */
export function validateInventoryText(
  text: string,
  fileName: string,
  env: NodeJS.ProcessEnv = process.env,
): LoadResult {
  const home = env.HOME ?? os.homedir();
  return printable(modelled(validate(text, fileName, env), fileName, home));
}

/**
 * Every diagnostic leaves this module through here: values from the file (keys, host names, the
 * file's own name) may hold terminal escapes or run to any length.
 */
function printable(result: LoadResult): LoadResult {
  const clean = (d: Diagnostic): Diagnostic => ({
    ...d,
    file: escapeUnprintable(d.file),
    path: clip(escapeUnprintable(d.path), MAX_PATH_CHARACTERS),
    message: clip(escapeUnprintable(d.message), MAX_MESSAGE_CHARACTERS),
    ...(d.hint === undefined ? {} : { hint: clip(escapeUnprintable(d.hint), MAX_MESSAGE_CHARACTERS) }),
  });
  return { ...result, errors: result.errors.map(clean), warnings: result.warnings.map(clean) };
}

/** Longer than any message lbprov writes itself: only a quoted value makes one longer. */
const MAX_MESSAGE_CHARACTERS = 600;
const MAX_PATH_CHARACTERS = 200;

/** A file's diagnostics, and its data when it has no errors. */
interface Validated {
  data?: InventoryFile;
  /** Where each value is written, once the file parsed. */
  source?: YamlSource;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

function validate(text: string, fileName: string, env: NodeJS.ProcessEnv): Validated {
  const parsed = parseYaml(text);
  if (!parsed.ok) {
    return {
      errors: parsed.errors.map((e) => ({
        file: fileName,
        line: e.line,
        column: e.column,
        path: '',
        message: `YAML syntax: ${e.message}`,
        severity: 'error',
      })),
      warnings: [],
    };
  }
  const { source } = parsed;
  const data = source.data;
  if (data === null || data === undefined) {
    return { errors: [fileError(fileName, 'is empty', HOW_TO_START)], warnings: [] };
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    return {
      errors: [
        fileError(
          fileName,
          'is not a mapping of sections (ssh:, keepalived:, vrrp:, directors:, ...)',
          HOW_TO_START,
        ),
      ],
      warnings: [],
    };
  }

  const whole = inventorySchema.safeParse(data);
  const sections = parseSections(data as Record<string, unknown>);
  const errorFindings = [
    ...(whole.success
      ? []
      : findingsFromIssues(whole.error.issues, {
          valueAt: (path) => valueAt(data, path),
          sourceText: source.sourceText,
          keysAt: (path) => schemaKeysAt(inventorySchema, path),
        })),
    ...crossFieldErrors(sections, env),
  ];
  const warningFindings = adviceFor(sections, env);
  const pin = (severity: Diagnostic['severity']) => (f: Finding) =>
    toDiagnostic(f, severity, fileName, source);
  const errors = sortByPosition(errorFindings.map(pin('error')));
  const warnings = sortByPosition(warningFindings.map(pin('warning')));
  if (errors.length > 0 || !whole.success) return { errors, warnings };
  return { data: whole.data, source, errors, warnings };
}

/** Each section on its own, so cross-field rules can still run on the sections that are sound. */
function parseSections(data: Record<string, unknown>): ParsedSections {
  const sections: Record<string, unknown> = {};
  for (const name of Object.keys(sectionSchemas) as SectionName[]) {
    const result = sectionSchemas[name].safeParse(data[name]);
    if (result.success) sections[name] = result.data;
  }
  for (const list of ['directors', 'real_servers'] as const) {
    const entries = data[list];
    if (!Array.isArray(entries)) continue;
    const shape: Record<string, z.ZodType> = sectionSchemas[list].element.shape;
    sections[list] = entries.map((entry: unknown) => soundFields(shape, entry));
  }
  return sections as ParsedSections;
}

function soundFields(shape: Record<string, z.ZodType>, entry: unknown): Record<string, unknown> {
  const record = entry !== null && typeof entry === 'object' ? (entry as Record<string, unknown>) : {};
  const sound: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(shape)) {
    const result = schema.safeParse(record[key]);
    if (result.success && result.data !== undefined) sound[key] = result.data;
  }
  return sound;
}

/** Only what the file holds: a key such as `constructor` must not reach Object.prototype's members. */
function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  return path.reduce<unknown>(
    (node, segment) =>
      node !== null && typeof node === 'object' && Object.hasOwn(node, segment)
        ? (node as Record<string, unknown>)[segment]
        : undefined,
    data,
  );
}

function toDiagnostic(
  finding: Finding,
  severity: Diagnostic['severity'],
  file: string,
  source: YamlSource,
): Diagnostic {
  const { line, column } = source.locate(finding.path, finding.at);
  return {
    file,
    line,
    column,
    path: formatPath(finding.path),
    message: finding.message,
    ...(finding.hint === undefined ? {} : { hint: finding.hint }),
    severity,
  };
}

function fileError(file: string, message: string, hint?: string): Diagnostic {
  return {
    file,
    line: 1,
    column: 1,
    path: '',
    message,
    ...(hint === undefined ? {} : { hint }),
    severity: 'error',
  };
}

function sortByPosition(diagnostics: Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => a.line - b.line || a.column - b.column);
}
