// Shows where a long run is: the phase, time elapsed and an estimate of what is left.
// On a terminal the status line is redrawn in place every second; otherwise (CI, a
// pipe) a line is printed when a phase starts and at most every 5 s while it lasts.

export interface PlannedPhase {
  id: string;
  title: string;
  /** Expected seconds; refined as the run learns how fast this machine is. */
  estimateSeconds: number;
}

const clock = (seconds: number) => {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

export class Progress {
  private readonly started = performance.now();
  private readonly done = new Set<string>();
  private current: { phase: PlannedPhase; started: number; detail: string } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastPrinted = 0;
  /** Actual ÷ estimated seconds of the phases done so far: scales what is left. */
  private pace = 1;
  private estimatedDone = 0;
  private actualDone = 0;

  constructor(
    private readonly phases: PlannedPhase[],
    private readonly out: NodeJS.WriteStream = process.stdout,
  ) {}

  private get tty(): boolean {
    return Boolean(this.out.isTTY);
  }

  elapsedSeconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  /** Seconds the rest of the plan should take at the pace seen so far. */
  remainingSeconds(): number {
    let left = 0;
    for (const phase of this.phases) {
      if (this.done.has(phase.id)) continue;
      if (this.current?.phase.id === phase.id) {
        const spent = (performance.now() - this.current.started) / 1000;
        left += Math.max(phase.estimateSeconds * this.pace - spent, 1);
      } else left += phase.estimateSeconds * this.pace;
    }
    return left;
  }

  start(id: string, detail = ''): void {
    if (this.current) this.finish();
    const phase = this.phases.find((p) => p.id === id);
    if (!phase) throw new Error(`progress: no phase ${id} in the plan`);
    this.current = { phase, started: performance.now(), detail };
    this.render(true);
    this.timer ??= setInterval(() => this.render(false), 1_000);
  }

  /** A new detail for the current phase (e.g. "32 connections"). */
  detail(detail: string): void {
    if (!this.current) return;
    this.current.detail = detail;
    this.render(false);
  }

  finish(): void {
    if (!this.current) return;
    const spent = (performance.now() - this.current.started) / 1000;
    this.done.add(this.current.phase.id);
    this.estimatedDone += this.current.phase.estimateSeconds;
    this.actualDone += spent;
    // Never trust one phase alone: blend towards 1 until a good part of the plan is done.
    if (this.estimatedDone > 0) this.pace = Math.max(0.5, Math.min(3, this.actualDone / this.estimatedDone));
    this.current = undefined;
  }

  /** Prints a line of its own (results, warnings) without breaking the status line. */
  say(text: string): void {
    if (this.tty) this.out.write('\r\x1b[2K');
    this.out.write(text + '\n');
    if (this.tty) this.render(true);
  }

  close(): void {
    this.finish();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.tty) this.out.write('\r\x1b[2K');
  }

  private line(): string {
    if (!this.current) return '';
    const index = this.phases.indexOf(this.current.phase) + 1;
    const detail = this.current.detail ? ` — ${this.current.detail}` : '';
    return `[${clock(this.elapsedSeconds())} elapsed, ~${clock(this.remainingSeconds())} left] (${index}/${this.phases.length}) ${this.current.phase.title}${detail}`;
  }

  private render(force: boolean): void {
    if (!this.current) return;
    if (this.tty) {
      const width = (this.out.columns ?? 120) - 1;
      this.out.write('\r\x1b[2K' + this.line().slice(0, width));
      return;
    }
    // Not a terminal (CI, a pipe): a line when a phase starts, then at most one every 5 s.
    const now = performance.now();
    if (!force && now - this.lastPrinted < 5_000) return;
    this.lastPrinted = now;
    this.out.write(this.line() + '\n');
  }
}
