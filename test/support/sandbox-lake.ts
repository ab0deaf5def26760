import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SandboxDataset } from '../../src/sandbox/dataset.ts';
import { buildSandboxLake as build } from '../../src/sandbox/sandbox-lake.ts';
import type { Database } from '../../src/sql/database.ts';

export interface SandboxLake {
  dir: string;
  gym: SandboxDataset;
  db: Database;
  timeZone: string;
  /** Closes DuckDB and removes the folder. */
  dispose(): Promise<void>;
}

/** A small sandbox gym's lake in a temp folder (see `buildSandboxLake`); the gym is its truth. */
export async function buildSandboxLake(scale: number): Promise<SandboxLake> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'basin-sandbox-lake-'));
  const dir = path.join(root, 'lake');
  const { db, gym, timeZone } = await build(dir, scale);
  return {
    dir,
    gym,
    db,
    timeZone,
    async dispose() {
      db.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
