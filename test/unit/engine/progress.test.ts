// A long command's last line, as the engine reports it while the command runs: cut at each
// stream's own line ends, throttled, the latest line always the one left shown, nothing once the
// command is over.
import { expect } from 'chai';
import { ControlDownloads, runAction } from '../../../src/engine/actions.js';
import { SharedBuilds } from '../../../src/engine/shared-builds.js';
import { LastLine, PROGRESS_INTERVAL_MS, ThrottledProgress } from '../../../src/engine/progress.js';
import type { ExecOptions, ExecResult, HeldProcess, Transport } from '../../../src/transport/types.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('engine: progress of a long command', () => {
  describe('LastLine', () => {
    it('a line counts once it is complete, pieces of it joined across chunks', () => {
      const lines = new LastLine();
      expect(lines.push('make[2]: Enter', 'stdout')).to.equal(false);
      expect(lines.last).to.equal(undefined);
      expect(lines.push("ing directory '/src'\ngcc -c ma", 'stdout')).to.equal(true);
      expect(lines.last).to.equal("make[2]: Entering directory '/src'");
      lines.push('in.c\n', 'stdout');
      expect(lines.last).to.equal('gcc -c main.c');
    });

    it('stdout and stderr are cut apart: a warning in the middle of a line does not split it', () => {
      const lines = new LastLine();
      lines.push('gcc -c vrrp', 'stdout');
      lines.push('vrrp.c:12: warning: unused variable\n', 'stderr');
      expect(lines.last).to.equal('vrrp.c:12: warning: unused variable');
      lines.push('.c\n', 'stdout');
      expect(lines.last).to.equal('gcc -c vrrp.c');
    });

    it('a very long line arriving in many pieces costs time in proportion to its length', () => {
      const lines = new LastLine();
      const piece = 'x'.repeat(32 * 1024);
      const started = Date.now();
      // 16 MiB in 32 KiB pieces: splitting what came before at every piece copies ~4 GiB (15 s).
      for (let index = 0; index < 512; index += 1) lines.push(piece, 'stdout');
      lines.push(' end\n', 'stdout');
      expect(Date.now() - started).to.be.below(2000);
      expect(lines.last).to.have.length(16 * 1024 * 1024 + 4);
      expect(lines.last!.endsWith('x end')).to.equal(true);
    });

    it('blank lines are not lines; a carriage return ends one, as a terminal shows it', () => {
      const lines = new LastLine();
      lines.push('Setting up redis-server ...\n\n   \n', 'stdout');
      expect(lines.last).to.equal('Setting up redis-server ...');
      lines.push('Progress: 10%\rProgress: 20%\r', 'stdout');
      expect(lines.last).to.equal('Progress: 20%');
      lines.push('done\r\n', 'stdout');
      expect(lines.last).to.equal('done');
    });
  });

  describe('ThrottledProgress', () => {
    const INTERVAL = 60;

    function throttled(): { progress: ThrottledProgress; reported: string[]; clock: { now: number } } {
      const clock = { now: 1000 };
      const reported: string[] = [];
      const progress = new ThrottledProgress(
        (line) => reported.push(line),
        INTERVAL,
        () => clock.now,
      );
      return { progress, reported, clock };
    }

    it('a command quicker than the interval reports nothing', async () => {
      const { progress, reported, clock } = throttled();
      clock.now += 10;
      progress.output('Reading package lists...\nDone\n', 'stdout');
      progress.end();
      await sleep(INTERVAL * 2);
      expect(reported).to.deep.equal([]);
    });

    it('at most one line per interval, and the latest line once the interval is over', async () => {
      const { progress, reported, clock } = throttled();
      clock.now += INTERVAL;
      progress.output('checking for gcc... gcc\n', 'stdout');
      expect(reported).to.deep.equal(['checking for gcc... gcc']);
      clock.now += 5;
      progress.output('checking for openssl... yes\n', 'stdout');
      progress.output('Use IPVS Framework : Yes\n', 'stdout');
      progress.output('partial, not a line yet', 'stdout');
      expect(reported).to.have.length(1);
      // The command goes quiet: the held-back line still comes, when the interval is over.
      await sleep(INTERVAL * 2);
      expect(reported).to.deep.equal(['checking for gcc... gcc', 'Use IPVS Framework : Yes']);
      progress.end();
    });

    it('a line the command printed as it ended is not reported after it', async () => {
      const { progress, reported, clock } = throttled();
      clock.now += INTERVAL;
      progress.output('first\n', 'stdout');
      progress.output('last\n', 'stdout');
      progress.end();
      await sleep(INTERVAL * 2);
      expect(reported).to.deep.equal(['first']);
    });
  });

  describe("runAction's shell action", () => {
    /** A host whose command prints its lines one by one, `gapMs` apart, then exits. */
    class SlowHost implements Transport {
      readonly host = 'lb1';
      constructor(
        private readonly lines: string[],
        private readonly gapMs: number,
      ) {}
      async exec(_script: string, options: ExecOptions = {}): Promise<ExecResult> {
        for (const line of this.lines) {
          await sleep(this.gapMs);
          options.onOutput?.(`${line}\n`, 'stdout');
        }
        return { code: 0, stdout: this.lines.map((line) => `${line}\n`).join(''), stderr: '' };
      }
      async hold(): Promise<HeldProcess> {
        throw new Error('not held');
      }
      async upload(): Promise<void> {}
      async close(): Promise<void> {}
    }

    const make = { kind: 'shell', description: 'keepalived: make', script: 'make' } as const;
    const context = (transport: Transport, progress?: (line: string) => void) => ({
      transport,
      downloads: new ControlDownloads(),
      builds: new SharedBuilds(),
      needsBackup: () => false,
      ...(progress ? { progress } : {}),
    });

    it('reports the lines of a command that runs for a while, throttled', async function () {
      this.timeout(10_000);
      const lines = Array.from({ length: 14 }, (_, index) => `gcc -c file${index}.c`);
      const reported: string[] = [];
      // 14 lines 100 ms apart: 1.4 s (more on a busy machine), one report every 500 ms at most.
      const started = Date.now();
      await runAction(
        make,
        context(new SlowHost(lines, 100), (line) => reported.push(line)),
      );
      expect(reported.length).to.be.within(2, Math.floor((Date.now() - started) / PROGRESS_INTERVAL_MS));
      for (const line of reported) expect(lines).to.include(line);
      expect(reported).to.deep.equal([...new Set(reported)]);
    });

    it('a command that prints its lines quickly reports none', async () => {
      const reported: string[] = [];
      await runAction(
        make,
        context(new SlowHost(['a', 'b', 'c'], 5), (line) => reported.push(line)),
      );
      expect(reported).to.deep.equal([]);
    });
  });
});
