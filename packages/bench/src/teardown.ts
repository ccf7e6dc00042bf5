// Everything the bench starts is registered here as it is started, and stopped in
// reverse order at the end — after a failure and on Ctrl-C / SIGTERM too — so no
// PostgreSQL, service or child process outlives the run.

export type Undo = () => Promise<unknown> | unknown;

export class Teardown {
  private readonly steps: Array<{ name: string; undo: Undo }> = [];
  private running: Promise<void> | undefined;

  /** Registers how to undo something just started (or about to be: undo must cope with half-started). */
  add(name: string, undo: Undo): void {
    this.steps.push({ name, undo });
  }

  /** Runs every undo once, newest first; a failing step is reported and the others still run. */
  run(report: (line: string) => void = (line) => process.stderr.write(line + '\n')): Promise<void> {
    this.running ??= (async () => {
      while (this.steps.length) {
        const { name, undo } = this.steps.pop()!;
        try {
          await undo();
        } catch (error) {
          report(`teardown: could not stop ${name}: ${(error as Error).message}`);
        }
      }
    })();
    return this.running;
  }

  /**
   * On SIGINT/SIGTERM: tear down, then exit (130 / 143). A second signal while tearing
   * down is ignored: stopping PostgreSQL half-way would leave it running.
   */
  onSignals(report: (line: string) => void): void {
    let stopping = false;
    const stop = (signal: NodeJS.Signals, code: number) => {
      if (stopping) {
        report(`${signal} again: still stopping what the bench started…`);
        return;
      }
      stopping = true;
      report(`\n${signal}: stopping everything the bench started…`);
      void this.run(report).finally(() => process.exit(code));
    };
    process.on('SIGINT', () => stop('SIGINT', 130));
    process.on('SIGTERM', () => stop('SIGTERM', 143));
  }
}
