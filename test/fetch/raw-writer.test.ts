import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { RawStreamWriter } from '../../src/fetch/raw-writer.ts';
import { Lake } from '../../src/lake/lake.ts';
import { Database } from '../../src/sql/database.ts';
import { useTempDirs } from '../support/temp-dir.ts';

describe('RawStreamWriter', () => {
  const tempDir = useTempDirs();
  const opened: Database[] = [];
  afterEach(() => {
    for (const db of opened.splice(0)) db.close();
  });

  async function open() {
    const db = await Database.open(new Lake({ kind: 'local', dir: await tempDir() }), {
      timeZone: 'America/Chicago',
    });
    opened.push(db);
    return db;
  }

  const fetchedAt = new Date('2026-11-20T06:00:00Z');

  it('stores each payload byte for byte as JSON.stringify wrote it, the last of a repeated id', async () => {
    const db = await open();
    const writer = new RawStreamWriter(db, 'capitan', 'items', 'run-1', fetchedAt);
    const odd = { id: 'a\nb', note: 'line one\nline two\t"quoted" \\ back', name: 'Zoë 🧗', empty: '' };
    await writer.add([
      { recordId: '1', payload: { id: 1, v: 'first' } },
      { recordId: 'a\nb', payload: odd },
    ]);
    await writer.add([
      { recordId: '1', payload: { id: 1, v: 'second' } },
      { recordId: '2', payload: [1, null, { x: 2.5 }] },
    ]);
    await writer.close();

    const rows = await db.query(
      'select record_id, payload::varchar as payload, payload_hash, fetched_at from raw_capitan__items order by record_id',
    );
    const expected = [
      { id: '1', payload: { id: 1, v: 'second' } },
      { id: '2', payload: [1, null, { x: 2.5 }] },
      { id: 'a\nb', payload: odd },
    ];
    expect(rows).toEqual(
      expected.map((e) => ({
        record_id: e.id,
        payload: JSON.stringify(e.payload),
        payload_hash: createHash('md5').update(JSON.stringify(e.payload)).digest('hex'),
        fetched_at: fetchedAt,
      })),
    );
    expect([writer.written, writer.unchanged]).toEqual([3, 0]);

    const again = new RawStreamWriter(db, 'capitan', 'items', 'run-2', fetchedAt);
    await again.add(expected.map((e) => ({ recordId: e.id, payload: e.payload })));
    await again.close();
    expect([again.written, again.unchanged]).toEqual([0, 3]);
  });
});
