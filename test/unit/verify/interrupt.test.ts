import { expect } from 'chai';
import { InterruptGuard } from '../../../src/verify/interrupt.js';
import { initCommand, REDIS_SERVICE_NAME_COMMAND } from '../../../src/verify/service-control.js';
import { spawnSync } from 'node:child_process';

describe('drill safety', () => {
  it('a first Ctrl-C aborts the measurement and says the cluster is being restored', () => {
    const said: string[] = [];
    const listeners = process.listenerCount('SIGINT');
    const guard = new InterruptGuard((line) => said.push(line), 130);
    try {
      expect(guard.interrupted).to.equal(false);
      process.emit('SIGINT', 'SIGINT');
      expect(guard.interrupted).to.equal(true);
      expect(guard.signal.aborted).to.equal(true);
      expect(said).to.deep.equal([
        'interrupted (SIGINT): restoring the cluster first; interrupt again to leave it as it is',
      ]);
    } finally {
      guard.dispose();
    }
    expect(process.listenerCount('SIGINT')).to.equal(listeners);
  });

  it('stops and starts services through the init system, never with a signal of its own', () => {
    const stop = initCommand('keepalived', 'stop');
    expect(stop).to.include('systemctl stop keepalived').and.include('service keepalived stop');
    expect(stop).not.to.match(/kill|pkill/);
  });

  it("finds Redis's service name, or says there is none", () => {
    const result = spawnSync('sh', ['-c', REDIS_SERVICE_NAME_COMMAND], { encoding: 'utf8' });
    if (result.status === 0) expect(result.stdout.trim()).to.match(/^redis(-server)?$/);
    else expect(result.stdout).to.include('no redis-server or redis service');
  });
});
