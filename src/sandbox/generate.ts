/**
 * The sandbox gym: a deterministic synthetic Basin Climbing, generated from a seed and rendered as
 * each API would show it at a clock (see `dataset.ts`).
 */
import type { SandboxDataset } from './dataset.ts';
import { chunkCount, generateChunk } from './generator/chunk.ts';
import { createContext, DEMO_HOUSEHOLDS, TINY_HOUSEHOLDS } from './generator/context.ts';
import { emptyOutput } from './generator/facts.ts';
import { appendOutput, buildDataset } from './generator/views.ts';

export type GymSize = 'tiny' | 'demo' | number;

export interface GenerateOptions {
  seed?: number;
  /** `tiny` (~200 people, for unit tests), `demo` (the real gym's scale), or a factor of demo. */
  size?: GymSize;
  /** The end of the generated history; the clock may run 30 days past it. */
  asOf?: Date;
  timeZone?: string;
}

export const DEFAULT_AS_OF = new Date('2026-11-20T12:00:00Z');
export const DEFAULT_TIME_ZONE = 'America/Chicago';

export function householdCount(size: GymSize): number {
  if (size === 'tiny') return TINY_HOUSEHOLDS;
  if (size === 'demo') return DEMO_HOUSEHOLDS;
  if (!Number.isFinite(size) || size <= 0) throw new Error(`invalid gym size ${size}`);
  return Math.max(20, Math.round(DEMO_HOUSEHOLDS * size));
}

export function generateGym(options: GenerateOptions = {}): SandboxDataset {
  const seed = options.seed ?? 1;
  const ctx = createContext(
    seed,
    householdCount(options.size ?? 'demo'),
    options.asOf ?? DEFAULT_AS_OF,
    options.timeZone ?? DEFAULT_TIME_ZONE,
  );
  const all = emptyOutput();
  for (let chunk = 0; chunk < chunkCount(ctx); chunk++) appendOutput(all, generateChunk(ctx, chunk));
  return buildDataset(ctx, all);
}
