// The floor a no-op apply is measured against: a Node process that connects to every host in
// parallel (same SSH library, same key) and runs one `true` on each.
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { NodeSSH } from 'node-ssh';

const [identityFile, ...hosts] = process.argv.slice(2);
const privateKey = readFileSync(identityFile, 'utf8');
await Promise.all(
  hosts.map(async (host) => {
    const ssh = new NodeSSH();
    await ssh.connect({ host, username: 'root', privateKey, readyTimeout: 15000 });
    const result = await ssh.execCommand('true');
    if (result.code !== 0) throw new Error(`${host}: true exited ${result.code}`);
    ssh.dispose();
  }),
);
