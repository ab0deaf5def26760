import type { StreamState } from './fetch-state.ts';
import type { FetchWindow, WindowPolicy } from './source.ts';

const day = 24 * 60 * 60 * 1000;

/**
 * The window a stream fetches. `--since` backfills from that date. Otherwise a stream that has
 * never completed fetches everything, and a daily run fetches its recent days, stretched back to
 * the previous success when that is older, so a missed day is never a gap.
 */
export function fetchWindow(
  policy: WindowPolicy,
  previous: StreamState | undefined,
  now: Date,
  since: Date | undefined,
): FetchWindow {
  if (policy.kind === 'full') return { since: undefined, until: now };
  if (since) return { since, until: now };
  if (!previous) return { since: undefined, until: now };
  const lookback = (policy.lookbackDays ?? 0) * day;
  const recent = now.getTime() - policy.days * day;
  const resume = previous.windowUntil.getTime();
  return { since: new Date(Math.min(recent, resume) - lookback), until: now };
}
