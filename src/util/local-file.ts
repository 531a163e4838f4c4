import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** A local file lbprov will not read, with why in words a user can act on. */
export class LocalFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path} ${reason}`);
  }
}

/** Why readLocalFile could not read a file, in the words messages use; `missing` when it is not there. */
export function whyUnreadable(error: unknown): { reason: string; missing: boolean } {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { reason: 'no such file', missing: true };
  if (error instanceof LocalFileError) return { reason: error.reason, missing: false };
  return { reason: `cannot be read (${(error as Error).message})`, missing: false };
}

function kindOf(stats: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Reads a local file only if it is a regular file of at most `maxBytes`: a device (/dev/zero) would
 * be read without end, a named pipe would block forever, a directory is a mistake to name. Opened
 * without blocking, so a pipe is recognised, not waited on. ENOENT is passed through unchanged, for
 * callers to whom a missing file means something (an empty known_hosts).
 */
export async function readLocalFile(path: string, maxBytes: number): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw error;
    if (code === 'EACCES') throw new LocalFileError(path, 'cannot be read (permission denied)');
    throw new LocalFileError(path, `cannot be opened (${code ?? (error as Error).message})`);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new LocalFileError(path, `is ${kindOf(stats)}, not a file`);
    if (stats.size > maxBytes)
      throw new LocalFileError(path, `is ${stats.size} bytes; lbprov reads at most ${maxBytes} from it`);
    // A file that grows while it is read still stops at the cap.
    const buffer = Buffer.alloc(Math.min(stats.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes)
        throw new LocalFileError(path, `grew beyond ${maxBytes} bytes while lbprov read it`);
      if (length === buffer.length) break;
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}
