import { input, select } from '@inquirer/prompts';
import { fields, unverifiedSourceProblem } from '../../inventory/index.js';
import { textField, toValidate } from './answer-checks.js';

type Artifact = 'keepalived' | 'ipvsadm';

interface Release {
  versions: Record<Artifact, string>;
  source: Record<Artifact, (version: string) => string>;
}

/** The how-to's versions, from the plain-http addresses the how-to downloads them from. */
const HOW_TO: Release = {
  versions: { keepalived: '1.2.0', ipvsadm: '1.26' },
  source: {
    keepalived: (version) => `http://www.keepalived.org/software/keepalived-${version}.tar.gz`,
    ipvsadm: (version) => `http://www.linuxvirtualserver.org/software/kernel-2.6/ipvsadm-${version}.tar.gz`,
  },
};

/** Current releases, over https; a version typed by hand gets these addresses too. */
const CURRENT: Release = {
  versions: { keepalived: '2.2.7', ipvsadm: '1.31' },
  source: {
    keepalived: (version) => `https://www.keepalived.org/software/keepalived-${version}.tar.gz`,
    ipvsadm: (version) =>
      `https://mirrors.edge.kernel.org/pub/linux/utils/kernel/ipvsadm/ipvsadm-${version}.tar.gz`,
  },
};

type Choice = 'how-to' | 'current' | 'other';
type ArtifactAnswers = { version: string; source: string; sha256: string };

const pair = ({ versions }: Release) => `keepalived ${versions.keepalived} + ipvsadm ${versions.ipvsadm}`;

export type SoftwareAnswers = Record<Artifact, ArtifactAnswers>;

export async function askSoftware(): Promise<SoftwareAnswers> {
  const choice = await select<Choice>({
    message: 'Versions to build from source:',
    default: 'how-to',
    choices: [
      {
        value: 'how-to',
        name: `the how-to's versions: ${pair(HOW_TO)}`,
        description: 'downloaded over plain http, as the how-to does',
      },
      { value: 'current', name: `current versions: ${pair(CURRENT)}`, description: 'downloaded over https' },
      { value: 'other', name: 'other (type a version)' },
    ],
  });
  const keepalived = await askArtifact('keepalived', choice);
  const ipvsadm = await askArtifact('ipvsadm', choice);
  return { keepalived, ipvsadm };
}

async function askArtifact(name: Artifact, choice: Choice): Promise<ArtifactAnswers> {
  const release = choice === 'how-to' ? HOW_TO : CURRENT;
  const version =
    choice === 'other'
      ? await input({
          message: `${name} version to build from source:`,
          default: CURRENT.versions[name],
          validate: toValidate(textField(fields.version)),
        }).then((a) => a.trim())
      : release.versions[name];
  const source = await input({
    message: `${name} ${version} source tarball URL (http or https):`,
    default: release.source[name](version),
    validate: toValidate(textField(fields.url)),
  }).then((a) => a.trim());
  const sha256 = await input({
    message: `${name} ${version} tarball SHA-256 (from sha256sum; empty skips the check):`,
    validate: toValidate(textField(fields.sha256)),
  }).then((a) => a.trim());
  // Said now, in validate's words, while the digest is at hand; the summary after writing repeats it with file:line.
  const unverified = unverifiedSourceProblem(name, { source, sha256 });
  if (unverified !== undefined) {
    process.stdout.write(`warning: ${name}.source: ${unverified.message}; hint: ${unverified.hint}\n`);
  }
  return { version, source, sha256 };
}
