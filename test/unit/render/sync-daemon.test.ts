import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSyncDaemonAfterReload } from '../../../src/render/sync-daemon.js';
import { tempDir } from '../../support/temp-dir.js';
import { director, seedInventory } from './fixtures.js';

const IPVSADM = '/sbin/ipvsadm';

/**
 * Runs the script with `ip` answering as a director that does (or does not) hold the VIP, and an
 * ipvsadm that only writes down how it was called.
 */
function runAfterReload(script: string, holdsVip: boolean): string[] {
  const dir = tempDir('lbprov-syncd-');
  const calls = join(dir, 'calls');
  const address = holdsVip ? '    inet 10.8.80.200/24 scope global secondary eth0:0' : '';
  writeFileSync(
    join(dir, 'ip'),
    `#!/bin/sh\necho "2: eth0    inet 10.8.80.218/24 brd 10.8.80.255"\necho "2: eth0${address}"\n`,
    {
      mode: 0o755,
    },
  );
  writeFileSync(join(dir, 'ipvsadm'), `#!/bin/sh\necho "$*" >> ${calls}\n`, { mode: 0o755 });
  const result = spawnSync('sh', ['-c', script.replaceAll(`'${IPVSADM}'`, join(dir, 'ipvsadm'))], {
    encoding: 'utf8',
    env: { PATH: `${dir}:/usr/bin:/bin` },
  });
  expect(result.status, result.stderr).to.equal(0);
  return readFileSync(calls, 'utf8').trim().split('\n');
}

describe('connection sync after a reload of keepalived before 1.2.20', () => {
  const render = (syntax: '1.2' | '2', connectionSync = true) =>
    renderSyncDaemonAfterReload(
      { ...seedInventory, service: { ...seedInventory.service, connection_sync: connectionSync } },
      director('MASTER'),
      { syntax, ipvsadm: IPVSADM },
    );

  it('starts the master sync daemon on the VRRP interface, sync id = VRID, where the VIP is', () => {
    expect(runAfterReload(render('1.2'), true)).to.deep.equal([
      '--stop-daemon master',
      '--start-daemon master --mcast-interface eth0 --syncid 51',
    ]);
  });

  it('starts the backup sync daemon where the VIP is not', () => {
    expect(runAfterReload(render('1.2'), false)).to.deep.equal([
      '--stop-daemon backup',
      '--start-daemon backup --mcast-interface eth0 --syncid 51',
    ]);
  });

  it('does nothing from 1.2.20 on (keepalived keeps the interface) or without connection sync', () => {
    expect(render('2')).to.equal('');
    expect(render('1.2', false)).to.equal('');
  });
});
