// The README's map ("Architecture") as rules over the real imports: a newcomer can trust the map
// because this fails the moment an import crosses it.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

interface Import {
  from: string;
  /** The imported module: a folder under src/ for relative imports, else the package name. */
  target: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

function folderOf(file: string): string {
  return relative(SRC, file).split('/')[0]!;
}

const IMPORT =
  /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s*\(\s*['"]([^'"]+)['"]\s*\)|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((match) => {
    const specifier = (match[1] ?? match[2] ?? match[3])!;
    const target = specifier.startsWith('.')
      ? folderOf(resolve(dirname(file), specifier))
      : specifier.startsWith('@')
        ? specifier.split('/').slice(0, 2).join('/')
        : specifier.split('/')[0]!;
    return { from: relative(SRC, file), target };
  });
}

const ALL = sourceFiles(SRC).flatMap(importsOf);

function crossing(fromFolders: string[], targets: string[]): string[] {
  return ALL.filter(
    (entry) => fromFolders.includes(entry.from.split('/')[0]!) && targets.includes(entry.target),
  ).map((entry) => `${entry.from} -> ${entry.target}`);
}

const FOLDERS = [...new Set(sourceFiles(SRC).map(folderOf))].filter((folder) => !folder.endsWith('.ts'));

describe('architecture: the README map matches the imports', () => {
  it('reads imports at all (the rules below would pass on nothing)', () => {
    expect(
      ALL.filter((entry) => entry.from.startsWith('cli/') && entry.target === 'engine'),
    ).to.have.length.above(0);
  });

  it('nothing under src/ imports the CLI except the CLI', () => {
    expect(
      crossing(
        FOLDERS.filter((folder) => folder !== 'cli'),
        ['cli'],
      ),
    ).to.deep.equal([]);
  });

  it('only the CLI uses the terminal libraries (commander, listr2, inquirer)', () => {
    expect(
      crossing(
        FOLDERS.filter((folder) => folder !== 'cli'),
        ['commander', 'listr2', '@inquirer/prompts'],
      ),
    ).to.deep.equal([]);
  });

  it('steps, facts and render never talk to hosts (no transport, no SSH library)', () => {
    expect(crossing(['steps', 'facts', 'render'], ['transport', 'node-ssh', 'ssh2'])).to.deep.equal([]);
  });

  it('only the transport opens SSH connections', () => {
    expect(
      crossing(
        FOLDERS.filter((folder) => folder !== 'transport'),
        ['node-ssh', 'ssh2'],
      ),
    ).to.deep.equal([]);
  });

  it('render is pure text: it imports only the model, its own helpers and util', () => {
    const outside = ALL.filter(
      (entry) =>
        entry.from.startsWith('render/') &&
        !['render', 'model', 'util', 'node:crypto', 'node:path'].includes(entry.target),
    ).map((entry) => `${entry.from} -> ${entry.target}`);
    expect(outside).to.deep.equal([]);
  });

  it('only the CLI prints: everything else hands the renderers typed events', () => {
    const printing = sourceFiles(SRC)
      .filter((file) => folderOf(file) !== 'cli')
      .filter((file) => /\bprocess\.(stdout|stderr)\b|\bconsole\./.test(readFileSync(file, 'utf8')))
      .map((file) => relative(SRC, file));
    expect(printing).to.deep.equal([]);
  });

  it('the renderers draw events and nothing else: they import no command, verify or transport code', () => {
    const reaching = ALL.filter(
      (entry) =>
        entry.from.startsWith('cli/output/') &&
        ['verify', 'transport', 'procedure', 'steps'].includes(entry.target),
    ).map((entry) => `${entry.from} -> ${entry.target}`);
    expect(reaching).to.deep.equal([]);
  });
});
