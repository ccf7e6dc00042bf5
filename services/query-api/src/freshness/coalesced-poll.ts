/**
 * Shares one in-flight query among every caller, while still giving each caller a
 * result that is at least as new as its call: a caller arriving while a query is in
 * flight (which may have started before it arrived) gets the next query, which all
 * such callers share. So a thousand concurrent requests cost two queries, not a
 * thousand, and none is answered with a state older than its arrival.
 */
export class CoalescedPoll<T> {
  private inFlight: Promise<T> | undefined;
  private queued: Promise<T> | undefined;

  constructor(private readonly poll: () => Promise<T>) {}

  next(): Promise<T> {
    if (!this.inFlight) return this.launch();
    if (!this.queued) {
      const after = this.inFlight.then(
        () => undefined,
        () => undefined,
      );
      this.queued = after.then(() => {
        this.queued = undefined;
        return this.launch();
      });
    }
    return this.queued;
  }

  private launch(): Promise<T> {
    const run = this.poll().finally(() => {
      if (this.inFlight === run) this.inFlight = undefined;
    });
    this.inFlight = run;
    return run;
  }
}
