// The floor a no-op apply is measured against: a Node process that connects to every host in
// parallel (same SSH library, ssh2's client, same key) and runs one `true` on each.
import { readFileSync } from 'node:fs';
import process from 'node:process';
import ssh2 from 'ssh2';

const [identityFile, ...hosts] = process.argv.slice(2);
const privateKey = readFileSync(identityFile, 'utf8');

function runTrue(host) {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client
      .on('ready', () =>
        client.exec('true', (error, stream) => {
          if (error) return reject(error);
          stream.on('close', (code) => {
            client.end();
            if (code === 0) resolve();
            else reject(new Error(`${host}: true exited ${code}`));
          });
          stream.resume();
          stream.stderr.resume();
        }),
      )
      .on('error', reject)
      .connect({ host, username: 'root', privateKey, readyTimeout: 15000 });
  });
}

await Promise.all(hosts.map(runTrue));
