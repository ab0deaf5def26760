import { expect, it } from 'vitest';
import type { z } from 'zod';
import { describeZodError } from '../../src/fetch/run-fetch.ts';
import { shapeDifferences } from './shape.ts';

/** One response the fetcher reads: the reference's example of it, and how to get the emulator's. */
export interface JsonContract {
  stream: string;
  fixture: unknown;
  /** The emulator's answer to the same request, as JSON. */
  answer: () => Promise<unknown>;
  /** The parts the fetcher validates: the records of a list, or the body itself. */
  records: (body: unknown) => unknown[];
  schema: z.ZodType;
}

function problems(schema: z.ZodType, records: unknown[]): string[] {
  return records.flatMap((record) => {
    const parsed = schema.safeParse(record);
    return parsed.success ? [] : [describeZodError(parsed.error)];
  });
}

/**
 * For each response: the reference's example passes the fetcher's schema, and the emulator's answer
 * passes it too and has the example's shape, inventing no field the reference does not show.
 */
export function contractTests(contracts: JsonContract[]): void {
  for (const c of contracts) {
    it(`${c.stream}: the reference's example passes the fetcher's schema`, () => {
      expect(problems(c.schema, c.records(c.fixture))).toEqual([]);
    });
    it(`${c.stream}: the emulator answers in the reference's shape, which the fetcher's schema accepts`, async () => {
      const body = await c.answer();
      expect(c.records(body).length).toBeGreaterThan(0);
      expect(problems(c.schema, c.records(body))).toEqual([]);
      expect(shapeDifferences(body, c.fixture, { strictKeys: true })).toEqual([]);
    });
  }
}
