import { describe, expect, it } from 'vitest';
import type { StreamState } from '../../src/fetch/fetch-state.ts';
import { fetchWindow } from '../../src/fetch/windows.ts';

const now = new Date('2026-11-20T06:00:00Z');
const previous = (windowUntil: Date): StreamState => ({
  source: 'square',
  stream: 'customers',
  lastSuccessAt: windowUntil,
  windowSince: null,
  windowUntil,
  runId: 'run-0',
  records: 1,
});

describe('a changed window', () => {
  const policy = { kind: 'changed', reachBackMinutes: 10 } as const;

  it('reads everything on a first run, whatever --since says', () => {
    expect(fetchWindow(policy, undefined, now, new Date('2026-11-01T00:00:00Z'))).toEqual({
      since: undefined,
      until: now,
    });
  });

  it('reads from the previous success, reaching back its minutes, however long ago that was', () => {
    const lastRun = new Date('2026-11-12T06:00:00Z');
    expect(fetchWindow(policy, previous(lastRun), now, undefined)).toEqual({
      since: new Date('2026-11-12T05:50:00Z'),
      until: now,
    });
  });
});
