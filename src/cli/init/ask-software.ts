import { input } from '@inquirer/prompts';
import { fields, type InventoryFileInput } from '../../inventory/index.js';
import { textField, toValidate } from './answer-checks.js';

/** The how-to's versions and download addresses are the defaults; any x.y.z works the same way. */
const DEFAULTS = {
  keepalived: {
    version: '1.2.0',
    source: (version: string) => `http://www.keepalived.org/software/keepalived-${version}.tar.gz`,
  },
  ipvsadm: {
    version: '1.26',
    source: (version: string) =>
      `http://www.linuxvirtualserver.org/software/kernel-2.6/ipvsadm-${version}.tar.gz`,
  },
};

export async function askSoftware(): Promise<Pick<InventoryFileInput, 'keepalived' | 'ipvsadm'>> {
  const keepalived = await askArtifact('keepalived');
  const ipvsadm = await askArtifact('ipvsadm');
  return { keepalived, ipvsadm };
}

async function askArtifact(name: keyof typeof DEFAULTS): Promise<{ version: string; source: string }> {
  const version = await input({
    message: `${name} version to build from source:`,
    default: DEFAULTS[name].version,
    validate: toValidate(textField(fields.version)),
  }).then((a) => a.trim());
  const source = await input({
    message: `${name} ${version} source tarball URL (http or https):`,
    default: DEFAULTS[name].source(version),
    validate: toValidate(textField(fields.url)),
  }).then((a) => a.trim());
  return { version, source };
}
