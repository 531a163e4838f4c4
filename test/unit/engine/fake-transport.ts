import { createHash } from 'node:crypto';
import { uniqueFacts } from '../../../src/facts/batch.js';
import type { Fact } from '../../../src/facts/fact.js';
import type { HostFacts } from '../../../src/facts/host.js';
import type { HostJob } from '../../../src/engine/host-run.js';
import { lockFact } from '../../../src/engine/lock.js';
import { factsFor } from '../../../src/engine/plan.js';
import { recordFact, type HostRecord } from '../../../src/engine/record.js';
import type { ExecResult, HeldProcess, Transport } from '../../../src/transport/types.js';

/** What a fact's command printed on the host, and its exit code. */
export interface Raw {
  output: string;
  code: number;
}

export const raw = {
  host(facts: HostFacts): Raw {
    const lines = [
      `os_id=${facts.osId}`,
      `os_like=${facts.osFamily === 'other' ? '' : facts.osFamily}`,
      `os_version=${facts.osVersion}`,
      `init=${facts.init}`,
      `pm=${facts.packageManager}`,
      `network_scripts=${facts.networkScripts ? 'yes' : 'no'}`,
      `ipvs=${facts.ipvs}`,
      `cpus=${facts.cpus}`,
      `kernel=${facts.kernel}`,
    ];
    return { output: `${lines.join('\n')}\n`, code: 0 };
  },
  absent: { output: 'absent\n', code: 0 } as Raw,
  file(content: string, meta: { mode?: string; owner?: string; group?: string } = {}): Raw {
    const bytes = Buffer.from(content);
    const sum = createHash('sha256').update(bytes).digest('hex');
    return {
      output: `file ${meta.mode ?? '644'} ${meta.owner ?? 'root'} ${meta.group ?? 'root'} ${bytes.length}\n${sum}\n${bytes.toString('base64')}`,
      code: 0,
    };
  },
  directory: { output: 'directory 755 root root 4096\n-\n', code: 0 } as Raw,
  exists: (yes: boolean): Raw => ({ output: '', code: yes ? 0 : 1 }),
  command: (output: string, code: number): Raw => ({ output, code }),
  sysctl: (value: string | undefined): Raw =>
    value === undefined ? { output: '', code: 1 } : { output: `${value}\n`, code: 0 },
  service: (running: boolean, enabled: boolean): Raw => ({
    output: `running=${running ? 'yes' : 'no'}\nenabled=${enabled ? 'yes' : 'no'}\ninstalled=yes\n`,
    code: 0,
  }),
  record: (record: HostRecord | undefined): Raw =>
    record ? { output: `${JSON.stringify(record, null, 2)}\n`, code: 0 } : { output: '', code: 1 },
  lockFree: { output: 'free\nstaged 0\n', code: 0 } as Raw,
  lockHeld: (holder: string): Raw => ({ output: `held\nstaged 0\n${holder}\n`, code: 0 }),
  lockFreeWithStaged: (count: number): Raw => ({ output: `free\nstaged ${count}\n`, code: 0 }),
};

/** One fact of a probe: in a subshell `( ... )`, or a group `{ ... }` for an inline fact. */
const PART =
  /[({]\n([\s\S]*?)\n[)}] <\/dev\/null 2>\/dev\/null\nprintf '\\n__lbprov_([0-9a-f]+) (\d+) %d\\n' "\$\?"/g;

/**
 * A host in memory: it answers probe scripts from a table of fact key -> raw output, reading the
 * nonce and the facts' order out of the script, as `sh` would print them. It refuses to be written to.
 */
export class FakeHost implements Transport {
  readonly scripts: string[] = [];
  /** Facts that a probe asked, by key, in order, per probe. */
  readonly asked: string[][] = [];
  private readonly byCommand = new Map<string, string>();

  constructor(
    readonly host: string,
    known: Fact<unknown>[],
    private readonly answers: Record<string, Raw>,
    private readonly options: { truncateAfter?: number } = {},
  ) {
    for (const fact of known) this.byCommand.set(fact.command, fact.key);
  }

  /** The facts a host job's probe may ask: its steps' and handlers', plus the record and the lock. */
  static forJob(
    job: HostJob,
    answers: Record<string, Raw>,
    options: { truncateAfter?: number } = {},
  ): FakeHost {
    const known = uniqueFacts([...factsFor([...job.steps, ...job.handlers]), recordFact, lockFact]);
    return new FakeHost(job.name, known, answers, options);
  }

  async exec(script: string): Promise<ExecResult> {
    this.scripts.push(script);
    const keys: string[] = [];
    let stdout = '';
    for (const match of script.matchAll(PART)) {
      const [, command = '', nonce, index] = match;
      const key = this.byCommand.get(command);
      if (key === undefined)
        throw new Error(`fake host ${this.host}: a command no known fact has:\n${command}`);
      const answer = this.answers[key];
      if (answer === undefined) throw new Error(`fake host ${this.host}: no answer for fact ${key}`);
      keys.push(key);
      if (this.options.truncateAfter !== undefined && keys.length > this.options.truncateAfter) break;
      stdout += `${answer.output}\n__lbprov_${nonce} ${index} ${answer.code}\n`;
    }
    if (keys.length === 0) throw new Error(`fake host ${this.host}: not a probe script:\n${script}`);
    this.asked.push(keys);
    return { code: 0, stdout, stderr: '' };
  }

  async hold(): Promise<HeldProcess> {
    throw new Error(`fake host ${this.host}: took the lock (a read-only run must not)`);
  }

  async upload(remotePath: string, _content: Buffer): Promise<void> {
    throw new Error(`fake host ${this.host}: upload to ${remotePath} (a read-only run must not write)`);
  }

  async close(): Promise<void> {}
}
