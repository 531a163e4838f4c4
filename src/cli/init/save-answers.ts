import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { escapeUnprintable } from '../../util/printable.js';
import { composeInventory, passwordVariables, type InitAnswers } from './answers.js';

export type WriteFile = (file: string, text: string, mode: number) => Promise<void>;

/** Beside the inventory it was meant for: `inventory.yaml` -> `inventory.answers.yaml`. */
export function answersPath(target: string): string {
  const { dir, name, ext } = path.parse(path.resolve(target));
  const stem = ext === '.yaml' || ext === '.yml' ? name : `${name}${ext}`;
  return path.join(dir, `${stem}.answers.yaml`);
}

/**
 * The answers as an inventory without any password (each is read from its variable instead), so
 * that `lbprov validate` can point at what to fix and the file can then take the inventory's place.
 */
export function answersText(target: string, answers: InitAnswers): string {
  const inventory = composeInventory(answers, 'left-out');
  const shown = escapeUnprintable(target);
  const header = [
    `The answers given to \`lbprov init ${shown}\`, kept because init could not write that file.`,
    `No password is kept here: lbprov reads them from $${passwordVariables(inventory).join(' and $')}.`,
    'This is an inventory: `lbprov validate` this file, fix what it reports, then move it to',
    `${shown}.`,
  ];
  return `${header.map((line) => `# ${line}`).join('\n')}\n${stringify(inventory, { lineWidth: 0 })}`;
}

/**
 * Writes the answers beside the target, else (that folder may be what failed) in the system's
 * temporary folder, mode 0600 either way. Returns where, or undefined when neither place took them.
 */
export async function saveAnswers(
  target: string,
  answers: InitAnswers,
  write: WriteFile,
): Promise<string | undefined> {
  const text = answersText(target, answers);
  const fallback = path.join(
    os.tmpdir(),
    `lbprov-init-${randomBytes(4).toString('hex')}-${path.basename(answersPath(target))}`,
  );
  for (const place of [answersPath(target), fallback]) {
    try {
      await write(place, text, 0o600);
      return place;
    } catch {
      // The next place, then the caller prints the answers themselves.
    }
  }
  return undefined;
}
