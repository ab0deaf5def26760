import { randomBytes } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LakeLocation } from '../config.ts';
import { isEnoent } from '../errors.ts';
import { S3Store } from './s3-store.ts';
import { assertTableKey, isRawKey } from './table-names.ts';

export interface TableInfo {
  key: string;
  /** `file` tables are replaced whole; `parts` tables are folders of append-only parts. */
  layout: 'file' | 'parts';
  /** What DuckDB reads: a file path or a glob over the parts. */
  readPath: string;
  bytes: number;
  parts: number;
}

export interface SyncResult {
  downloaded: number;
  skipped: number;
  deleted: number;
}

/** Writes a Parquet file at the path it is given; the lake moves it into place afterwards. */
export type ParquetWriter = (tmpPath: string) => Promise<void>;

const etagManifest = '.etags.json';
const snapshotsDir = 'snapshots';

/**
 * The Parquet lake. Its root is a local folder, which DuckDB reads. When the lake lives on S3 the
 * root is a local cache: every write goes to S3 first and lands in the cache only after S3 has the
 * whole object, and `sync()` brings the cache up to date by ETag.
 */
export class Lake {
  readonly root: string;
  readonly remote: S3Store | undefined;
  readonly location: LakeLocation;

  constructor(location: LakeLocation) {
    this.location = location;
    this.root = location.kind === 'local' ? location.dir : location.cacheDir;
    this.remote = location.kind === 's3' ? new S3Store(location) : undefined;
  }

  describe(): string {
    return this.location.kind === 'local' ? this.root : this.remote!.describe('');
  }

  filePath(key: string): string {
    assertTableKey(key);
    return path.join(this.root, `${key}.parquet`);
  }

  partsDir(key: string): string {
    assertTableKey(key);
    return path.join(this.root, key);
  }

  /** Replaces a whole table. No reader sees a half-written file; a failed write keeps the old one. */
  async writeTable(key: string, write: ParquetWriter): Promise<void> {
    if (isRawKey(key)) throw new Error(`${key} is a raw stream: raw is append-only, use appendPart`);
    await this.publish(`${key}.parquet`, write);
  }

  /** Adds one immutable part to an append-only table; returns its path. */
  async appendPart(key: string, partId: string, write: ParquetWriter): Promise<string> {
    assertTableKey(key);
    if (!/^[A-Za-z0-9_.-]+$/.test(partId))
      throw new Error(`part id "${partId}" has characters a file name can't`);
    const relative = `${key}/${partId}.parquet`;
    await this.publish(relative, write);
    return path.join(this.root, relative);
  }

  async listTables(): Promise<TableInfo[]> {
    const tables: TableInfo[] = [];
    for (const layer of await listDir(this.root)) {
      if (layer === snapshotsDir || layer.startsWith('.') || !(await isDir(path.join(this.root, layer))))
        continue;
      if (layer === 'raw') {
        for (const source of await listDir(path.join(this.root, 'raw'))) {
          for (const stream of await listDir(path.join(this.root, 'raw', source))) {
            const info = await this.partsInfo(`raw/${source}/${stream}`);
            if (info) tables.push(info);
          }
        }
        continue;
      }
      for (const entry of await listDir(path.join(this.root, layer))) {
        if (entry.startsWith('.')) continue;
        if (!entry.endsWith('.parquet')) {
          // Other files beside the tables (data/reports/*.html) are not tables.
          if (!(await isDir(path.join(this.root, layer, entry)))) continue;
          const parts = await this.partsInfo(`${layer}/${entry}`);
          if (parts) tables.push(parts);
          continue;
        }
        const key = `${layer}/${entry.slice(0, -'.parquet'.length)}`;
        const file = path.join(this.root, `${key}.parquet`);
        tables.push({ key, layout: 'file', readPath: file, bytes: (await stat(file)).size, parts: 1 });
      }
    }
    return tables.sort((a, b) => a.key.localeCompare(b.key));
  }

  async table(key: string): Promise<TableInfo | undefined> {
    return (await this.listTables()).find((t) => t.key === key);
  }

  /** The month's snapshot folder name, `YYYY-MM-01`, for a date. */
  static snapshotName(date: Date): string {
    return `${date.toISOString().slice(0, 7)}-01`;
  }

  async hasSnapshot(name: string): Promise<boolean> {
    if (this.remote) return (await this.remote.list(`${snapshotsDir}/${name}/`)).length > 0;
    return isDir(path.join(this.root, snapshotsDir, name));
  }

  /** Copies the chosen tables under `snapshots/YYYY-MM-01/`, keeping their layout. */
  async snapshot(name: string, keys: string[]): Promise<string[]> {
    if (!/^\d{4}-\d{2}-01$/.test(name)) throw new Error(`snapshot name "${name}" must be YYYY-MM-01`);
    const copied: string[] = [];
    for (const key of keys) {
      const info = await this.table(key);
      if (!info) continue;
      const relative = info.layout === 'file' ? `${key}.parquet` : key;
      if (this.remote) {
        for (const object of await this.remote.list(relative)) {
          if (object.key !== relative && !object.key.startsWith(`${relative}/`)) continue;
          await this.remote.copy(object.key, `${snapshotsDir}/${name}/${object.key}`);
        }
      } else {
        const target = path.join(this.root, snapshotsDir, name, relative);
        await mkdir(path.dirname(target), { recursive: true });
        await cp(path.join(this.root, relative), target, { recursive: true });
      }
      copied.push(key);
    }
    return copied;
  }

  /** Brings the local cache of an S3 lake up to date, downloading only objects whose ETag changed. */
  async sync(): Promise<SyncResult> {
    const result: SyncResult = { downloaded: 0, skipped: 0, deleted: 0 };
    if (!this.remote) return result;
    const manifest = await this.readManifest();
    const remote = (await this.remote.list()).filter((o) => !o.key.startsWith(`${snapshotsDir}/`));
    const remoteKeys = new Set(remote.map((o) => o.key));
    for (const object of remote) {
      const local = path.join(this.root, object.key);
      if (manifest[object.key] === object.etag && (await exists(local))) {
        result.skipped++;
        continue;
      }
      const tmp = tempPathFor(local);
      await mkdir(path.dirname(local), { recursive: true });
      try {
        await this.remote.downloadTo(object.key, tmp);
        await rename(tmp, local);
      } finally {
        await rm(tmp, { force: true });
      }
      manifest[object.key] = object.etag;
      result.downloaded++;
    }
    for (const key of Object.keys(manifest)) {
      if (remoteKeys.has(key)) continue;
      await rm(path.join(this.root, key), { force: true });
      delete manifest[key];
      result.deleted++;
    }
    await this.writeManifest(manifest);
    return result;
  }

  close(): void {
    this.remote?.destroy();
  }

  private async publish(relative: string, write: ParquetWriter): Promise<void> {
    const target = path.join(this.root, relative);
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = tempPathFor(target);
    try {
      await write(tmp);
      if (this.remote) {
        const etag = await this.remote.putFile(relative, tmp);
        const manifest = await this.readManifest();
        manifest[relative] = etag;
        await rename(tmp, target);
        await this.writeManifest(manifest);
      } else {
        await rename(tmp, target);
      }
    } finally {
      await rm(tmp, { force: true });
    }
  }

  private async readManifest(): Promise<Record<string, string>> {
    try {
      return JSON.parse(await readFile(path.join(this.root, etagManifest), 'utf8')) as Record<string, string>;
    } catch (error) {
      if (isEnoent(error)) return {};
      throw error;
    }
  }

  private async writeManifest(manifest: Record<string, string>): Promise<void> {
    const file = path.join(this.root, etagManifest);
    await mkdir(this.root, { recursive: true });
    const tmp = tempPathFor(file);
    await writeFile(tmp, `${JSON.stringify(manifest, null, 1)}\n`);
    await rename(tmp, file);
  }

  private async partsInfo(key: string): Promise<TableInfo | undefined> {
    const dir = path.join(this.root, key);
    const parts = (await listDir(dir)).filter((f) => f.endsWith('.parquet'));
    if (parts.length === 0) return undefined;
    let bytes = 0;
    for (const part of parts) bytes += (await stat(path.join(dir, part))).size;
    return { key, layout: 'parts', readPath: path.join(dir, '*.parquet'), bytes, parts: parts.length };
  }
}

/** Temp files start with a dot and end in `.tmp`, so no glob over `*.parquet` ever reads one. */
function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (error) {
    // A file where a folder might be (an export such as outputs/email_templates.json) holds no tables.
    if (isEnoent(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw error;
  }
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch (error) {
    if (isEnoent(error)) return false;
    throw error;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch (error) {
    if (isEnoent(error)) return false;
    throw error;
  }
}
