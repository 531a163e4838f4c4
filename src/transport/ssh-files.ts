import { readLocalFile } from '../util/local-file.js';

/** Far above any real key (an RSA-16384 private key is ~13 kB); a device or a mistake stops here. */
const MAX_IDENTITY_BYTES = 64 * 1024;
/** A known_hosts of ~100,000 hosts; what is bigger is not one. */
const MAX_KNOWN_HOSTS_BYTES = 32 * 1024 * 1024;

/** The private key named by ssh.identity_file. */
export async function readIdentity(path: string): Promise<string> {
  return (await readLocalFile(path, MAX_IDENTITY_BYTES)).toString('utf8');
}

/** known_hosts' text; a file that does not exist yet reads as empty (accept-new creates it). */
export async function readKnownHosts(path: string): Promise<string> {
  try {
    return (await readLocalFile(path, MAX_KNOWN_HOSTS_BYTES)).toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}
