/** Resolves after `ms`, or at once when `signal` fires (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * A wake-up flag with a timeout: `wait` resolves on the next `wake()` (or at once if
 * one came since the last wait), after `ms`, or when `signal` fires — so a
 * notification that arrives while a batch is being applied is not lost.
 */
export class Alarm {
  private pending = false;
  private ring: (() => void) | undefined;

  wake(): void {
    this.pending = true;
    this.ring?.();
  }

  async wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (!this.pending) {
      const rung = new AbortController();
      this.ring = () => rung.abort();
      await sleep(ms, signal ? AbortSignal.any([signal, rung.signal]) : rung.signal);
      this.ring = undefined;
    }
    this.pending = false;
  }
}

/** Runs async sections one at a time (the live loop and a rebuild's switch-over). */
export class SerialSection {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
