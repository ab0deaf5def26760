import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInputTable } from '../../src/identity/input.ts';
import { resolveIdentities } from '../../src/identity/resolve.ts';
import { lakeStore } from '../../src/identity/store.ts';
import { Lake } from '../../src/lake/lake.ts';
import { stage } from '../../src/pipeline/stage.ts';
import type { SandboxDataset } from '../../src/sandbox/dataset.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import { writeScaleLake } from '../../src/sandbox/scale-writer.ts';
import { Database } from '../../src/sql/database.ts';
import { buildTimeline } from '../../src/timeline/build-timeline.ts';

export const SANDBOX_TIME_ZONE = 'America/Chicago';

export interface SandboxLake {
  dir: string;
  gym: SandboxDataset;
  db: Database;
  /** Closes DuckDB and removes the folder. */
  dispose(): Promise<void>;
}

/**
 * A small sandbox gym's lake in a temp folder, built as the daily run builds it: raw written at
 * scale, staged, customers resolved, the timeline built. The gym is its ground truth.
 */
export async function buildSandboxLake(scale: number): Promise<SandboxLake> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'basin-sandbox-lake-'));
  const dir = path.join(root, 'lake');
  await writeScaleLake({ scale, dir, workers: 0 });
  const gym = generateGym({ size: scale });
  const db = await Database.open(new Lake({ kind: 'local', dir }), { timeZone: SANDBOX_TIME_ZONE });
  await stage(db, { time_zone: SANDBOX_TIME_ZONE });
  await createInputTable(db, 'select * from stg_identity_records');
  await resolveIdentities(db, lakeStore(db), { asOf: gym.asOf, now: gym.asOf });
  await buildTimeline(db, { timeZone: SANDBOX_TIME_ZONE });
  return {
    dir,
    gym,
    db,
    async dispose() {
      db.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
