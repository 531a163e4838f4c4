import { confirm, input, select } from '@inquirer/prompts';
import { fields, readPortSshProblem, type InventoryFileInput } from '../../inventory/index.js';
import { numberField, textField, toValidate } from './answer-checks.js';

export type SshAnswers = NonNullable<InventoryFileInput['ssh']>;

/**
 * How lbprov reaches every host; per-host differences are edited into the file afterwards.
 * `readPort`: the Redis read port chosen before, which the real servers pass on to Redis.
 */
export async function askSsh(readPort?: number): Promise<SshAnswers> {
  const user = await input({
    message: 'SSH user on all hosts:',
    default: 'root',
    validate: toValidate(textField(fields.user)),
  }).then((a) => a.trim());
  const port = await input({
    message: 'SSH port:',
    default: '22',
    validate: toValidate(numberField(fields.port), (port) => {
      const problem = readPort === undefined ? undefined : readPortSshProblem(readPort, Number(port));
      // The read port was answered before: the way out here is the other port.
      return problem && `${problem.message} (if sshd listens there, run init again with another read port)`;
    }),
  }).then(Number);
  const identityFile = await input({
    message: 'SSH private key file (leave empty to use ssh-agent):',
    validate: (answer) => answer.trim() === '' || toValidate(textField(fields.localPath))(answer),
  }).then((a) => a.trim());
  const knownHosts = await input({
    message: 'known_hosts file:',
    default: '~/.ssh/known_hosts',
    validate: toValidate(textField(fields.localPath)),
  }).then((a) => a.trim());
  const hostKeyPolicy = await select({
    message: 'Unknown host keys:',
    default: 'strict',
    choices: [
      { value: 'strict', name: 'strict      refuse hosts missing from known_hosts' },
      { value: 'accept-new', name: 'accept-new  trust a host on first contact and record its key' },
    ] as const,
  });
  const become =
    user !== 'root' &&
    (await confirm({ message: `Run commands as root through sudo (${user} is not root)?`, default: true }));
  return {
    user,
    port,
    ...(identityFile === '' ? {} : { identity_file: identityFile }),
    known_hosts: knownHosts,
    host_key_policy: hostKeyPolicy,
    become,
  };
}
