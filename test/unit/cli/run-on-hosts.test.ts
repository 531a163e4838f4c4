import { expect } from 'chai';
import type { EngineEvent } from '../../../src/engine/events.js';
import { RunExit } from '../../../src/engine/run.js';
import { reportSetupError, runOnHosts } from '../../../src/cli/run-on-hosts.js';
import type { Renderer } from '../../../src/cli/output/types.js';
import { SetupError, type Session } from '../../../src/cli/session.js';
import type { Inventory } from '../../../src/model/inventory.js';
import type { ProcedureJob } from '../../../src/procedure/jobs.js';
import { UnreachableError } from '../../../src/transport/types.js';
import { MASK, SecretMasker } from '../../../src/util/mask.js';

const SECRET = 'Sekret99';

/** One host whose key accept-new records (in a message that carries a secret) and that then refuses. */
function refusingSession(): Session {
  const masker = new SecretMasker();
  masker.add(SECRET);
  const job = { name: 'lb1', role: 'director (MASTER)', group: 0, steps: [], handlers: [], vars: {} };
  return {
    inventory: {} as Inventory,
    jobs: [job as unknown as ProcedureJob],
    masker,
    connect: async (_job, onHostKeyRecorded) => {
      onHostKeyRecorded?.('lb1', `ssh-ed25519 SHA256:${SECRET}`);
      throw new UnreachableError('lb1', 'connection refused', 'start sshd');
    },
  };
}

function recordingRenderer(): Renderer & { handled: EngineEvent[]; finished: boolean } {
  const renderer = {
    handled: [] as EngineEvent[],
    finished: false,
    handle: (event: EngineEvent) => renderer.handled.push(event),
    finish: async () => {
      renderer.finished = true;
    },
  };
  return renderer;
}

const NOTE: EngineEvent = {
  type: 'warning',
  host: 'lb1',
  message: `recorded new host key ssh-ed25519 SHA256:${MASK} (host_key_policy: accept-new)`,
};

describe('runOnHosts', () => {
  it('draws a recorded host key, masked, before the event that follows the connect, then finishes', async () => {
    const renderer = recordingRenderer();
    const outcome = await runOnHosts(refusingSession(), renderer, {
      mode: 'apply',
      jobs: refusingSession().jobs,
      concurrency: 1,
    });
    expect(outcome.exitCode).to.equal(RunExit.Unreachable);
    expect(renderer.finished).to.equal(true);
    const note = renderer.handled.findIndex((event) => event.type === 'warning');
    expect(renderer.handled[note]).to.deep.equal(NOTE);
    expect(renderer.handled[note + 1]).to.include({ type: 'host_end', host: 'lb1', unreachable: true });
  });

  it('hands the engine events to `handle`; the host key note still goes to the renderer', async () => {
    const renderer = recordingRenderer();
    const handled: EngineEvent[] = [];
    await runOnHosts(
      refusingSession(),
      renderer,
      { mode: 'status', jobs: refusingSession().jobs, concurrency: 1 },
      (event) => handled.push(event),
    );
    expect(renderer.handled).to.deep.equal([NOTE]);
    expect(handled.map((event) => event.type)).to.include('summary');
  });
});

describe('reportSetupError', () => {
  it('turns a SetupError into its exit code and one `lbprov:` line; other errors pass', async () => {
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => {
      written.push(chunk);
      return true;
    }) as typeof process.stderr.write;
    let code: number;
    try {
      code = await reportSetupError(async () => Promise.reject(new SetupError('no such file', 4)));
    } finally {
      process.stderr.write = write;
    }
    expect(code).to.equal(4);
    expect(written).to.deep.equal(['lbprov: no such file\n']);
    const bug = new Error('bug');
    await reportSetupError(async () => Promise.reject(bug)).then(
      () => expect.fail('the error should pass'),
      (error: unknown) => expect(error).to.equal(bug),
    );
  });
});
