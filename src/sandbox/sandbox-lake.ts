import { Lake } from '../lake/lake.ts';
import { openRunner } from '../pipeline/model-graph.ts';
import { stage } from '../pipeline/stage.ts';
import { Database } from '../sql/database.ts';
import { buildTimeline } from '../timeline/build-timeline.ts';
import type { SandboxDataset } from './dataset.ts';
import { DEFAULT_TIME_ZONE, generateGym } from './generate.ts';
import { writeScaleLake } from './scale-writer.ts';

/**
 * The sandbox gym's lake at `dir`, built as the daily run builds it but without the emulators: raw
 * written directly at `scale`, staged, customers resolved, the timeline built. Returns the open
 * database and the gym, whose truth the tests and benchmarks measure the lake against.
 */
export async function buildSandboxLake(
  dir: string,
  scale: number,
): Promise<{ db: Database; gym: SandboxDataset; timeZone: string }> {
  const timeZone = DEFAULT_TIME_ZONE;
  await writeScaleLake({ scale, dir, workers: 0 });
  const gym = generateGym({ size: scale });
  const db = await Database.open(new Lake({ kind: 'local', dir }), { timeZone });
  await stage(db, { time_zone: timeZone });
  const runner = await openRunner(db, { asOf: gym.asOf, now: gym.asOf });
  await runner.build(runner.graph.select((m) => m.id === 'resolve'));
  await buildTimeline(db, { timeZone });
  return { db, gym, timeZone };
}
