// -v and --log: each command sent to a host and its answer, masked, on stderr and in the log file.
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Trace, TracedTransport } from '../../../src/cli/trace.js';
import type { ExecResult, HeldProcess, Transport } from '../../../src/transport/types.js';
import { SecretMasker } from '../../../src/util/mask.js';

const SECRET = 'Sentinel-42x';

class EchoHost implements Transport {
  readonly host = 'rs1';
  async exec(script: string): Promise<ExecResult> {
    return { code: 3, stdout: `ran: ${script}\n`, stderr: 'warning\n' };
  }
  async hold(): Promise<HeldProcess> {
    return { banner: 'ready\n', release: async () => undefined };
  }
  async upload(): Promise<void> {}
  async close(): Promise<void> {}
}

describe('cli: -v and --log', () => {
  let dir: string;
  let written: string[];
  let original: typeof process.stderr.write;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lbprov-trace-'));
    written = [];
    original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => written.push(chunk) > 0) as typeof process.stderr.write;
  });
  afterEach(() => {
    process.stderr.write = original;
    rmSync(dir, { recursive: true, force: true });
  });

  const traced = (trace: Trace) => {
    const masker = new SecretMasker();
    masker.add(SECRET);
    return new TracedTransport(new EchoHost(), trace, masker);
  };

  it('-v shows the command, its output and exit code on stderr, the secret masked', async () => {
    const trace = new Trace({ verbose: true });
    await traced(trace).exec(`echo ${SECRET}\ntrue`);
    const shown = written.join('');
    expect(shown).to.include('[rs1] $ echo ********\n    true');
    expect(shown).to.include('  | ran: echo ********');
    expect(shown).to.include('  | warning');
    expect(shown).to.match(/ {2}exit 3 \(\d+ ms\)/);
    expect(shown).not.to.include(SECRET);
  });

  it('--log appends JSON lines (commands and events), readable by the owner only; uploads without their content', async () => {
    const log = join(dir, 'run.jsonl');
    const trace = new Trace({ log });
    const transport = traced(trace);
    await transport.exec(`printf ${SECRET}`);
    await transport.upload('/var/lib/lbprov/stage/x', Buffer.from(`auth_pass ${SECRET}\n`));
    trace.event({ type: 'summary', exit_code: 0 });
    trace.close();
    expect(written).to.deep.equal([]);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.map((event) => event.type)).to.deep.equal(['command', 'command', 'summary']);
    expect(events[0]).to.include({ host: 'rs1', command: 'printf ********', exit_code: 3 });
    expect(events[1]!.command).to.equal('# SFTP upload of 23 bytes to /var/lib/lbprov/stage/x');
    expect(lines.join('\n')).not.to.include(SECRET);
    expect(statSync(log).mode & 0o777).to.equal(0o600);
  });

  it('with --json, -v commands are JSON events on stdout, not text on stderr', async () => {
    const out: string[] = [];
    const stdout = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => out.push(chunk) > 0) as typeof process.stdout.write;
    try {
      await traced(new Trace({ verbose: true, json: true })).exec('true');
    } finally {
      process.stdout.write = stdout;
    }
    expect(written).to.deep.equal([]);
    expect(JSON.parse(out.join(''))).to.include({
      type: 'command',
      host: 'rs1',
      command: 'true',
      exit_code: 3,
    });
  });
});
