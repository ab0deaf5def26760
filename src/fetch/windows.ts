import type { StreamState } from './fetch-state.ts';
import type { FetchWindow, WindowPolicy } from './source.ts';

const minute = 60 * 1000;
const day = 24 * 60 * minute;

/**
 * The window a stream fetches. `--since` backfills from that date. Otherwise a stream that has
 * never completed fetches everything, and a daily run fetches its recent days, stretched back to
 * the previous success when that is older, so a missed day is never a gap. A `changed` stream
 * reads from its previous success, whatever `--since` says.
 */
export function fetchWindow(
  policy: WindowPolicy,
  previous: StreamState | undefined,
  now: Date,
  since: Date | undefined,
): FetchWindow {
  if (policy.kind === 'full') return { since: undefined, until: now };
  if (policy.kind === 'changed') {
    // `--since` has no meaning for a collection of current states: the first run reads it whole.
    if (!previous) return { since: undefined, until: now };
    return { since: new Date(previous.windowUntil.getTime() - policy.reachBackMinutes * minute), until: now };
  }
  if (since) return { since, until: now };
  if (!previous) return { since: undefined, until: now };
  const lookback = (policy.lookbackDays ?? 0) * day;
  const recent = now.getTime() - policy.days * day;
  const resume = previous.windowUntil.getTime();
  return { since: new Date(Math.min(recent, resume) - lookback), until: now };
}
