import type { LiveRead } from '../state/use-live-read.ts';

/** What is wrong with a panel's data, said plainly: unreachable, failed, or possibly out of date. */
export function ReadProblems({ read, what }: { read: LiveRead<unknown>; what: string }) {
  if (read.error) {
    const text = read.error.unreachable
      ? `The query API cannot be reached, so ${what} cannot be loaded${read.data ? ': showing what was loaded before' : ''}. It will retry by itself.`
      : read.error.status === 503
        ? `${capitalize(what)} cannot be read right now (${read.error.message}).${read.data ? ' Showing what was loaded before.' : ''}`
        : `Loading ${what} failed: ${read.error.message}`;
    return (
      <p className="banner banner-error" role="alert">
        {text}{' '}
        <button type="button" className="link" onClick={read.reload}>
          Retry now
        </button>
      </p>
    );
  }
  if (read.stale && read.data !== undefined) {
    return (
      <p className="banner banner-warning" role="status">
        The replica is behind: {what} may not include your latest changes yet. It updates by itself when it catches up.
      </p>
    );
  }
  return null;
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
