import { describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake/lake.ts';
import { AnswerPublisher } from '../../src/offers/template-cache.ts';
import { Database } from '../../src/sql/database.ts';
import { useTempDirs } from '../support/temp-dir.ts';

const KEY = 'state/answers';
const COLUMNS: [string, string][] = [
  ['id', 'VARCHAR'],
  ['tokens', 'BIGINT'],
];

describe('the LLM cache writer', () => {
  const tempDir = useTempDirs();

  async function openLake(): Promise<Database> {
    return Database.open(new Lake({ kind: 'local', dir: await tempDir() }), { timeZone: 'UTC' });
  }

  it('publishes answers added without waiting, fewer parts than answers, outside any transaction', async () => {
    const db = await openLake();
    const publisher = new AnswerPublisher(db, KEY, COLUMNS);
    for (let i = 0; i < 40; i++) publisher.add({ id: `answer-${i}`, tokens: i });
    await publisher.published();
    const table = await db.lake.table(KEY);
    expect(table?.layout).toBe('parts');
    expect(table!.parts).toBeLessThan(40);
    await db.refreshViews();
    const [row] = await db.query(
      'select count(*)::int as answers, count(distinct id)::int as ids from answers',
    );
    expect(row).toEqual({ answers: 40, ids: 40 });
    db.close();
  });

  it('stops taking answers once a part failed, and says why', async () => {
    const db = await openLake();
    const publisher = new AnswerPublisher(db, 'state/Not A Key', COLUMNS);
    publisher.add({ id: 'first', tokens: 1 });
    await expect(publisher.published()).rejects.toThrow(/"state\/Not A Key" is not a table key/);
    expect(() => publisher.add({ id: 'later', tokens: 2 })).toThrow(/is not a table key/);
    db.close();
  });
});
