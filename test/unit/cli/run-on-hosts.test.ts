import { expect } from 'chai';
import type { EngineEvent } from '../../../src/engine/events.js';
import { RunExit } from '../../../src/engine/run.js';
import { reportSetupError, runOnHosts, runSummary } from '../../../src/cli/run-on-hosts.js';
import type { Renderer } from '../../../src/cli/output/types.js';
import { SetupError, type PlannedSession } from '../../../src/cli/session.js';
import type { Diagnostic } from '../../../src/inventory/index.js';
import type { Inventory } from '../../../src/model/inventory.js';
import type { ProcedureJob } from '../../../src/procedure/jobs.js';
import { UnreachableError } from '../../../src/transport/types.js';
import { MASK, SecretMasker } from '../../../src/util/mask.js';

const SECRET = 'Sekret99';

/** One host whose key accept-new records (in a message that carries a secret) and that then refuses. */
function refusingSession(): PlannedSession {
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
    closeUnused: async () => undefined,
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

/** Runs `work` with stdout and stderr captured. */
async function captured(
  work: () => Promise<number>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const written = { stdout: '', stderr: '' };
  const original = { stdout: process.stdout.write, stderr: process.stderr.write };
  for (const stream of ['stdout', 'stderr'] as const) {
    process[stream].write = ((chunk: string) => {
      written[stream] += chunk;
      return true;
    }) as typeof process.stdout.write;
  }
  try {
    return { code: await work(), ...written };
  } finally {
    process.stdout.write = original.stdout;
    process.stderr.write = original.stderr;
  }
}

const FINDING: Diagnostic = {
  file: 'inventory.yaml',
  line: 2,
  column: 9,
  path: 'ssh.port',
  message: 'is 0; must be a whole number from 1 to 65535',
  severity: 'error',
};

describe('reportSetupError', () => {
  it('turns a SetupError into its exit code and one `lbprov:` line; other errors pass', async () => {
    const run = await captured(() =>
      reportSetupError(async () => Promise.reject(new SetupError('no such file', 4))),
    );
    expect(run).to.deep.equal({ code: 4, stdout: '', stderr: 'lbprov: no such file\n' });
    const bug = new Error('bug');
    await reportSetupError(async () => Promise.reject(bug)).then(
      () => expect.fail('the error should pass'),
      (error: unknown) => expect(error).to.equal(bug),
    );
  });

  it('as text: the findings as file:line:col lines, the error, then what to do', async () => {
    const error = new SetupError('inventory.yaml: invalid', 4, { findings: [FINDING], hint: 'fix it' });
    const run = await captured(() => reportSetupError(async () => Promise.reject(error)));
    expect(run.stderr).to.equal(
      'inventory.yaml:2:9: error: ssh.port: is 0; must be a whole number from 1 to 65535\n' +
        'lbprov: inventory.yaml: invalid\nwhat to do: fix it\n',
    );
  });

  it('with --json: the findings as validate reports them, the error, the closing line last; stderr empty', async () => {
    const error = new SetupError('inventory.yaml: invalid', 4, { findings: [FINDING], hint: 'fix it' });
    const run = await captured(() =>
      reportSetupError(async () => Promise.reject(error), runSummary('apply')),
    );
    expect(run.stderr).to.equal('');
    const events = run.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events).to.have.length(3);
    expect(events[0]).to.deep.equal({ type: 'error', ...FINDING });
    expect(events[1]).to.deep.equal({
      type: 'error',
      message: 'inventory.yaml: invalid',
      hint: 'fix it',
      exit_code: 4,
    });
    expect(events[2]).to.deep.include({
      type: 'summary',
      mode: 'apply',
      hosts: {},
      changed: 0,
      error: 'inventory.yaml: invalid',
      exit_code: 4,
    });
  });
});
