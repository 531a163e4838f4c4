/**
 * Ctrl-C during a drill must not leave a director or real server stopped. The first SIGINT (or
 * SIGTERM) aborts the measurement, and the drill's own `finally` restores what it stopped; a second
 * one leaves at once, saying what is left to restore by hand.
 */
export class InterruptGuard {
  private readonly controller = new AbortController();
  private byHand = 'nothing was stopped yet';
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    if (!this.controller.signal.aborted) {
      this.controller.abort();
      this.say(`interrupted (${signal}): restoring the cluster first; interrupt again to leave it as it is`);
      return;
    }
    this.say(`interrupted again: leaving WITHOUT restoring. By hand: ${this.byHand}`);
    process.exit(this.exitCode);
  };

  constructor(
    private readonly say: (line: string) => void,
    private readonly exitCode: number,
  ) {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get interrupted(): boolean {
    return this.controller.signal.aborted;
  }

  /** What the operator must run if they abandon the restore. */
  restoreByHand(instructions: string): void {
    this.byHand = instructions;
  }

  dispose(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }
}
