import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { gather, ProbeError } from '../../../src/engine/gather.js';
import { toStepError } from '../../../src/engine/host-run.js';
import { pathExistsFact } from '../../../src/facts/files.js';
import { commandFact } from '../../../src/facts/system.js';
import type { ExecResult, Transport } from '../../../src/transport/types.js';

/** This machine as a host: each script runs in `sh`, unless `reply` says what the host printed. */
function localHost(reply?: (script: string) => ExecResult): Transport & { scripts: string[] } {
  const scripts: string[] = [];
  return {
    host: 'local',
    scripts,
    async exec(script) {
      scripts.push(script);
      if (reply) return reply(script);
      return { code: 0, stdout: execFileSync('sh', ['-c', script], { encoding: 'utf8' }), stderr: '' };
    },
    hold: () => Promise.reject(new Error('a probe never holds a process')),
    upload: () => Promise.reject(new Error('a probe never writes')),
    close: async () => undefined,
  };
}

describe('engine: gather (the one probe of a host)', () => {
  it('one round trip, each question asked once', async () => {
    const host = localHost();
    const values = await gather(host, [pathExistsFact('/'), commandFact('echo hi'), pathExistsFact('/')]);
    expect(host.scripts).to.have.length(1);
    expect(host.scripts[0]!.match(/test -e/g)).to.have.length(1);
    expect([...values.entries()]).to.deep.equal([
      ['exists:/', true],
      ['command:echo hi', { code: 0, output: 'hi\n' }],
    ]);
  });

  it('nothing to ask: no round trip', async () => {
    const host = localHost();
    expect((await gather(host, [])).size).to.equal(0);
    expect(host.scripts).to.deep.equal([]);
  });

  it('output it cannot read: a ProbeError with what the host printed last, reported as the host failing', async () => {
    const host = localHost(() => ({
      code: 1,
      stdout: 'partial\n',
      stderr: 'sudo: a password is required\n',
    }));
    const error = await gather(host, [pathExistsFact('/')]).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).to.be.instanceOf(ProbeError);
    expect((error as ProbeError).output).to.equal('partial\nsudo: a password is required\n');
    expect(toStepError(error)).to.deep.equal({
      message: "reading the host's state failed: the host's probe stopped early: no answer for exists:/",
      output: 'partial\nsudo: a password is required\n',
      hint: 'check that the host has a POSIX shell and coreutils',
    });
  });
});
