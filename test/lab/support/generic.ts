// Runs the engine with the generic test playbook against lab hosts, in-process, counting what
// the transport does, so tests can assert on round trips as well as on the host's state.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { EngineEvent } from '../../../src/engine/events.js';
import { prepareSteps } from '../../../src/engine/plan.js';
import { run, type RunJob } from '../../../src/engine/run.js';
import type { HostKeyPolicy } from '../../../src/model/inventory.js';
import { parsePlaybook } from '../../../src/playbook/load.js';
import { SshTransport } from '../../../src/transport/ssh.js';
import type { Transport } from '../../../src/transport/types.js';
import { SecretMasker } from '../../../src/util/mask.js';
import { LAB_HOSTS, LAB_IDENTITY_FILE, LAB_KNOWN_HOSTS, REPO_ROOT, type LabHost } from './lab.js';

export const GENERIC_PLAYBOOK = resolve(REPO_ROOT, 'test/fixtures/playbooks/generic.yaml');

export interface GenericVars {
  content: string;
  answer: string;
  url: string;
  sha256: string;
  sleep: number;
  fail: 'yes' | 'no';
}

export interface Counts {
  exec: number;
  upload: number;
  hold: number;
}

export interface GenericRun {
  exitCode: number;
  events: EngineEvent[];
  counts: Counts;
}

class CountingTransport implements Transport {
  constructor(
    private readonly inner: Transport,
    readonly counts: Counts,
  ) {}
  get host(): string {
    return this.inner.host;
  }
  exec(script: string) {
    this.counts.exec += 1;
    return this.inner.exec(script);
  }
  upload(path: string, content: Buffer) {
    this.counts.upload += 1;
    return this.inner.upload(path, content);
  }
  hold(script: string, marker: string) {
    this.counts.hold += 1;
    return this.inner.hold(script, marker);
  }
  close() {
    return this.inner.close();
  }
}

export function genericJob(host: LabHost, vars: GenericVars): RunJob {
  const playbook = parsePlaybook(readFileSync(GENERIC_PLAYBOOK, 'utf8'), GENERIC_PLAYBOOK);
  const scope = vars as unknown as Record<string, unknown>;
  return {
    name: host,
    role: 'test',
    group: 0,
    vars: scope,
    steps: prepareSteps(playbook.steps, scope, 'generic'),
    handlers: prepareSteps(playbook.handlers, scope, 'generic'),
  };
}

export async function runGeneric(
  hosts: LabHost | LabHost[],
  vars: GenericVars,
  options: {
    mode?: 'apply' | 'dry-run';
    knownHosts?: string;
    policy?: HostKeyPolicy;
    secrets?: string[];
    /** Connect as this user instead of root, with become: true (sudo). */
    becomeFrom?: string;
    sudoPassword?: string;
    onEvent?: (event: EngineEvent) => void;
  } = {},
): Promise<GenericRun> {
  const events: EngineEvent[] = [];
  const counts: Counts = { exec: 0, upload: 0, hold: 0 };
  const masker = new SecretMasker();
  for (const secret of options.secrets ?? []) masker.add(secret);
  const { exitCode } = await run({
    mode: options.mode ?? 'apply',
    jobs: (Array.isArray(hosts) ? hosts : [hosts]).map((host) => genericJob(host, vars)),
    concurrency: 4,
    masker,
    emit: (event) => {
      events.push(event);
      options.onEvent?.(event);
    },
    connect: async (job) =>
      new CountingTransport(
        await SshTransport.connect(
          {
            name: job.name,
            host: LAB_HOSTS[job.name as LabHost],
            ssh: {
              user: options.becomeFrom ?? 'root',
              port: 22,
              identity_file: LAB_IDENTITY_FILE,
              known_hosts: options.knownHosts ?? LAB_KNOWN_HOSTS,
              host_key_policy: options.policy ?? 'strict',
              become: options.becomeFrom !== undefined,
              jump: [],
            },
          },
          options.sudoPassword === undefined
            ? {}
            : {
                sudoPassword: async () => {
                  masker.add(options.sudoPassword!);
                  return options.sudoPassword!;
                },
              },
        ),
        counts,
      ),
  });
  return { exitCode, events, counts };
}

export function stepEvents(events: EngineEvent[]): Extract<EngineEvent, { type: 'step' }>[] {
  return events.filter((event): event is Extract<EngineEvent, { type: 'step' }> => event.type === 'step');
}

export function summaryOf(events: EngineEvent[]): Extract<EngineEvent, { type: 'summary' }> {
  const summary = events.find((event) => event.type === 'summary');
  if (!summary || summary.type !== 'summary') throw new Error('the run emitted no summary');
  return summary;
}
