/** One chunk of households generated together: the unit of work for the in-memory gym and the scale writer. */
import { CHUNK_HOUSEHOLDS, type GenContext, IdCounters } from './context.ts';
import { emptyOutput, type HouseholdOutput } from './facts.ts';
import { generateHousehold } from './household.ts';
import { appendOutput } from './views.ts';

export function chunkCount(ctx: GenContext): number {
  return Math.ceil(ctx.householdCount / CHUNK_HOUSEHOLDS);
}

export function generateChunk(ctx: GenContext, chunk: number): HouseholdOutput {
  const ids = new IdCounters(chunk);
  const out = emptyOutput();
  const end = Math.min(ctx.householdCount, (chunk + 1) * CHUNK_HOUSEHOLDS);
  for (let index = chunk * CHUNK_HOUSEHOLDS; index < end; index++)
    appendOutput(out, generateHousehold(ctx, index, ids));
  ids.assertWithinBlock();
  return out;
}
