import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { checkPlaybookVars, parsePlaybook, playbookPath, type Playbook } from './load.js';

/**
 * The playbooks as a run reads them. Parsing the YAML and checking every variable it names cost a
 * command ~100 ms of CPU at start-up (yaml's parser runs twice: once for the structure, once for
 * the positions of the variables), every run, for text that changes only with lbprov. So
 * `npm run build` does it once and writes the result as JSON next to this module; playbooks/*.yaml
 * stay the source: the JSON holds the digest of the YAML it came from, and a run whose YAML no
 * longer matches it (edited after the build, or run from source, where there is no JSON) parses
 * and checks the YAML as before.
 */
export interface ShippedPlaybooks {
  director: Playbook;
  realServer: Playbook;
}

interface CompiledPlaybooks extends ShippedPlaybooks {
  /** sha256 of the YAML texts they were compiled from. */
  digest: string;
}

/** dist/playbook/playbooks.json once built. */
export const COMPILED_PLAYBOOKS = fileURLToPath(new URL('./playbooks.json', import.meta.url));

interface Sources {
  director: { file: string; text: string };
  realServer: { file: string; text: string };
  digest: string;
}

async function readSources(): Promise<Sources> {
  const [director, realServer] = await Promise.all(
    (['director', 'real_server'] as const).map(async (role) => {
      const file = playbookPath(role);
      return { file, text: await readFile(file, 'utf8') };
    }),
  );
  const digest = createHash('sha256')
    .update(director!.text)
    .update('\0')
    .update(realServer!.text)
    .digest('hex');
  return { director: director!, realServer: realServer!, digest };
}

function parseAndCheck({ file, text }: { file: string; text: string }): Playbook {
  const playbook = parsePlaybook(text, file);
  checkPlaybookVars(text, file, playbook.role);
  return playbook;
}

function compile(sources: Sources): CompiledPlaybooks {
  return {
    digest: sources.digest,
    director: parseAndCheck(sources.director),
    realServer: parseAndCheck(sources.realServer),
  };
}

/** What `npm run build` runs: a broken playbook fails the build with the error a run would give. */
export async function writeCompiledPlaybooks(file = COMPILED_PLAYBOOKS): Promise<void> {
  await writeFile(file, `${JSON.stringify(compile(await readSources()))}\n`);
}

/** The shipped playbooks, parsed and checked: from the build's JSON while it matches the YAML. */
export async function shippedPlaybooks(compiledFile = COMPILED_PLAYBOOKS): Promise<ShippedPlaybooks> {
  const [sources, compiled] = await Promise.all([
    readSources(),
    readFile(compiledFile, 'utf8').then(
      (text) => JSON.parse(text) as CompiledPlaybooks,
      () => undefined,
    ),
  ]);
  const { director, realServer } = compiled?.digest === sources.digest ? compiled : compile(sources);
  return { director, realServer };
}
