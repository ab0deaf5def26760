import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { LakeLocation } from '../config.ts';
import { isEnoent } from '../errors.ts';
import {
  cloneManifest,
  emptyManifest,
  type LakeManifest,
  MANIFEST_FORMAT,
  type ManifestEntry,
  manifestFile,
  parseManifest,
  referencedFiles,
} from './manifest.ts';
import { S3Store } from './s3-store.ts';
import { assertTableKey, isRawKey } from './table-names.ts';

export interface TableInfo {
  key: string;
  /** `file` tables are replaced whole; `parts` tables are folders of append-only parts. */
  layout: 'file' | 'parts';
  /** The files DuckDB reads: one for a `file` table, every published part for a `parts` table. */
  readPaths: string[];
  parts: number;
  /** A `parts` table's deletes: the file naming rows of `readPaths` that are not in the table. */
  deletes?: string;
}

export interface SyncResult {
  downloaded: number;
  skipped: number;
  deleted: number;
}

/** Objects moved between the cache and S3 since the lake was opened (all zero for a local lake). */
export interface TransferCounts {
  downloaded: number;
  uploaded: number;
  /** Rewritten tables whose file came out byte for byte the same: kept, not uploaded again. */
  unchanged: number;
}

/** Writes a Parquet file at the path it is given; the lake moves it into place afterwards. */
export type ParquetWriter = (tmpPath: string) => Promise<void>;

/** One part of a table written by `writeParts`: a part it has now, kept as is, or a new one. */
export type PartSpec = { keep: string } | { write: ParquetWriter };

const etagManifest = '.etags.json';
const lakeLayers = ['raw', 'staging', 'core', 'metrics', 'state'];
const snapshotsDir = 'snapshots';
/** Written when a snapshot is complete; a snapshot folder without it is a crashed one. */
const snapshotDone = '_complete.json';

/**
 * The Parquet lake. Its root is a local folder, which DuckDB reads. When the lake lives on S3 the
 * root is a local cache: every write goes to S3 first and lands in the cache only after S3 has the
 * whole object, and `sync()` brings the cache up to date by ETag.
 *
 * Readers find tables through the manifest (`_lake.json`), never by listing folders. A replaced
 * table is written under a new name (`core/customer_master@<version>.parquet`) and parts are
 * immutable, so publishing is one step: the new manifest replaces the old one. Outside a
 * transaction every write publishes itself; inside one (`begin`…`commit`, the daily run) writes
 * are visible to this process only, and `commit` publishes them all at once. A process killed
 * before `commit` leaves the previous manifest, hence the previous tables, in place.
 */
export class Lake {
  readonly root: string;
  readonly remote: S3Store | undefined;
  readonly location: LakeLocation;
  private committed: LakeManifest | undefined;
  private transaction: { id: string; manifest: LakeManifest } | undefined;
  private publishing: Promise<unknown> = Promise.resolve();
  private etagUpdates: Promise<unknown> = Promise.resolve();
  readonly transfers: TransferCounts = { downloaded: 0, uploaded: 0, unchanged: 0 };

  constructor(location: LakeLocation) {
    this.location = location;
    this.root = location.kind === 'local' ? location.dir : location.cacheDir;
    this.remote = location.kind === 's3' ? new S3Store(location) : undefined;
  }

  describe(): string {
    return this.location.kind === 'local' ? this.root : this.remote!.describe('');
  }

  /** The current file of a `file` table (this process's pending version inside a transaction). */
  filePath(key: string): string {
    assertTableKey(key);
    const entry = (this.transaction?.manifest ?? this.committed)?.tables[key];
    if (entry?.layout !== 'file') throw new Error(`${key} is not a table of ${this.describe()}`);
    return path.join(this.root, entry.file);
  }

  /** Replaces a whole table. No reader sees a half-written file; a failed write keeps the old one. */
  async writeTable(key: string, write: ParquetWriter): Promise<void> {
    assertTableKey(key);
    if (isRawKey(key)) throw new Error(`${key} is a raw stream: raw is append-only, use appendPart`);
    const current = (this.transaction?.manifest ?? (await this.load())).tables[key];
    const file = `${key}@${versionStamp()}.parquet`;
    const kept = current?.layout === 'file' ? path.join(this.root, current.file) : undefined;
    const written = await this.putFile(file, write, kept);
    if (!written) {
      this.transfers.unchanged++;
      return;
    }
    await this.record(`${key} written`, (manifest) => {
      manifest.tables[key] = { layout: 'file', file };
    });
  }

  /**
   * Replaces a table by an ordered list of parts, published in one manifest change: each entry keeps
   * a part the table has now (`keep`, its path relative to the root) or writes a new one (`write`),
   * and `deletes`, when given, writes the file of the rows to leave out (`TableInfo.deletes`, naming
   * only kept parts). Parts not listed, and the previous deletes, leave the table (their files go at
   * the next commit's clean-up); kept parts are not touched, so on S3 only new files go up. A failed
   * write publishes nothing. Returns the parts' relative paths, in order.
   */
  async writeParts(key: string, parts: PartSpec[], deletes?: ParquetWriter): Promise<string[]> {
    assertTableKey(key);
    if (isRawKey(key)) throw new Error(`${key} is a raw stream: raw is append-only, use appendPart`);
    const current = (this.transaction?.manifest ?? (await this.load())).tables[key];
    const held = new Set(current?.layout === 'parts' ? current.parts : current ? [current.file] : []);
    const stamp = versionStamp();
    const relatives: string[] = [];
    for (const [i, part] of parts.entries()) {
      if ('keep' in part) {
        if (!held.has(part.keep)) throw new Error(`${part.keep} is not a part of ${key}`);
        relatives.push(part.keep);
      } else {
        relatives.push(await this.putPart(key, `${stamp}-${String(i).padStart(4, '0')}`, part.write));
      }
    }
    const deletesFile = deletes ? await this.putPart(key, `${stamp}-deletes`, deletes) : undefined;
    await this.record(`${key} written`, (manifest) => {
      manifest.tables[key] = {
        layout: 'parts',
        parts: relatives,
        ...(deletesFile ? { deletes: deletesFile } : {}),
      };
    });
    return relatives;
  }

  /** Writes one immutable part's file (not yet named by the manifest); returns its relative path. */
  private async putPart(key: string, partId: string, write: ParquetWriter): Promise<string> {
    assertTableKey(key);
    if (!/^[A-Za-z0-9_.-]+$/.test(partId))
      throw new Error(`part id "${partId}" has characters a file name can't`);
    await this.load();
    const relative = `${key}/${partId}.parquet`;
    await this.putFile(relative, write);
    return relative;
  }

  /** Adds one immutable part to an append-only table; returns its path. */
  async appendPart(key: string, partId: string, write: ParquetWriter): Promise<string> {
    const relative = await this.putPart(key, partId, write);
    await this.record(`${key} appended`, (manifest) => {
      manifest.tables[key] = withPart(manifest.tables[key], relative, { keepFile: false });
    });
    return path.join(this.root, relative);
  }

  /**
   * Adds one immutable part to a state table and publishes it at once, inside a transaction too (which
   * keeps it): for what must outlive a killed run, an answer already paid for. A table written whole
   * before keeps its file as its first part, until a whole write (in the transaction) compacts it again.
   */
  async publishPart(key: string, partId: string, write: ParquetWriter): Promise<string> {
    const relative = await this.putPart(key, partId, write);
    await this.record(
      `${key} appended`,
      (manifest) => {
        manifest.tables[key] = withPart(manifest.tables[key], relative, { keepFile: true });
      },
      { evenInTransaction: true },
    );
    return path.join(this.root, relative);
  }

  /** Removes a table from the lake (its files go at the next commit's clean-up). */
  async dropTable(key: string): Promise<void> {
    assertTableKey(key);
    await this.record(`${key} dropped`, (manifest) => {
      delete manifest.tables[key];
    });
  }

  /** Starts a transaction: later writes stay unpublished until `commit`. */
  async begin(id: string): Promise<void> {
    if (this.transaction) throw new Error(`transaction ${this.transaction.id} is still open`);
    this.transaction = { id, manifest: cloneManifest(await this.load()) };
  }

  get inTransaction(): boolean {
    return this.transaction !== undefined;
  }

  /**
   * Publishes every write of the transaction as one set, then deletes the files neither this set
   * nor the previous one names (the previous set stays whole for readers that opened it).
   */
  async commit(): Promise<void> {
    const transaction = this.transaction;
    if (!transaction) throw new Error('no transaction to commit');
    const previous = await this.load();
    await this.saveManifest(transaction.manifest, transaction.id);
    this.transaction = undefined;
    await this.collectGarbage([transaction.manifest, previous]);
  }

  /** Forgets the transaction's writes; their files go at the next commit's clean-up. */
  rollback(): void {
    this.transaction = undefined;
  }

  /**
   * The tables with published files. No file is read: a fetch and the model runner list the tables
   * after every part they write, and stat-ing every part of every table each time cost seconds.
   */
  async listTables(): Promise<TableInfo[]> {
    const manifest = this.transaction?.manifest ?? (await this.load());
    const tables: TableInfo[] = [];
    for (const [key, entry] of Object.entries(manifest.tables)) {
      const files = entry.layout === 'file' ? [entry.file] : entry.parts;
      if (files.length === 0) continue;
      tables.push({
        key,
        layout: entry.layout,
        readPaths: files.map((f) => path.join(this.root, f)),
        parts: files.length,
        ...(entry.layout === 'parts' && entry.deletes
          ? { deletes: path.join(this.root, entry.deletes) }
          : {}),
      });
    }
    return tables.sort((a, b) => a.key.localeCompare(b.key));
  }

  /** The bytes a table's published files hold (`lake list`). */
  async tableBytes(table: TableInfo): Promise<number> {
    let bytes = 0;
    for (const file of [...table.readPaths, ...(table.deletes ? [table.deletes] : [])])
      bytes += (await stat(file)).size;
    return bytes;
  }

  async table(key: string): Promise<TableInfo | undefined> {
    return (await this.listTables()).find((t) => t.key === key);
  }

  /** The month's snapshot folder name, `YYYY-MM-01`, for a date. */
  static snapshotName(date: Date): string {
    return `${date.toISOString().slice(0, 7)}-01`;
  }

  /** A snapshot counts once it is complete: its marker is written after every copy. */
  async hasSnapshot(name: string): Promise<boolean> {
    const marker = `${snapshotsDir}/${name}/${snapshotDone}`;
    if (this.remote) return (await this.remote.list(marker)).some((o) => o.key === marker);
    return exists(path.join(this.root, marker));
  }

  /**
   * Writes the chosen tables under `snapshots/YYYY-MM-01/<key>.parquet`, one file each that reads
   * on its own: a table held in one file (or one part with nothing deleted) is copied, server-side on
   * S3; any other table of parts is written whole by `writeWhole`, its deletes applied, since a
   * snapshot's reader has no manifest to apply them.
   */
  async snapshot(
    name: string,
    keys: string[],
    writeWhole: (table: TableInfo) => ParquetWriter,
  ): Promise<string[]> {
    if (!/^\d{4}-\d{2}-01$/.test(name)) throw new Error(`snapshot name "${name}" must be YYYY-MM-01`);
    const manifest = this.transaction?.manifest ?? (await this.load());
    const tables = new Map((await this.listTables()).map((table) => [table.key, table]));
    const copied: string[] = [];
    for (const key of keys) {
      const entry = manifest.tables[key];
      const table = tables.get(key);
      if (!entry || !table) continue;
      const target = `${snapshotsDir}/${name}/${key}.parquet`;
      const whole = wholeFile(entry);
      if (whole === undefined) await this.putSnapshotFile(target, writeWhole(table));
      else if (this.remote) await this.remote.copy(whole, target);
      else {
        await mkdir(path.dirname(path.join(this.root, target)), { recursive: true });
        await cp(path.join(this.root, whole), path.join(this.root, target));
      }
      copied.push(key);
    }
    const text = `${JSON.stringify({ tables: copied, taken_at: new Date().toISOString() }, null, 1)}\n`;
    await this.putSnapshotFile(`${snapshotsDir}/${name}/${snapshotDone}`, (tmp) => writeFile(tmp, text));
    return copied;
  }

  /** Writes a snapshot's file: to S3 first when remote, then into the root. */
  private async putSnapshotFile(relative: string, write: ParquetWriter): Promise<void> {
    const local = path.join(this.root, relative);
    await mkdir(path.dirname(local), { recursive: true });
    const tmp = tempPathFor(local);
    try {
      await write(tmp);
      if (this.remote) {
        await this.remote.putFile(relative, tmp);
        this.transfers.uploaded++;
      }
      await rename(tmp, local);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /**
   * Brings the local cache of an S3 lake up to date: downloads the objects the remote manifest
   * names whose ETag changed, and only then the manifest, so the cache moves from one whole set to
   * the next.
   */
  async sync(): Promise<SyncResult> {
    const result: SyncResult = { downloaded: 0, skipped: 0, deleted: 0 };
    if (!this.remote) return result;
    const etags = await this.readEtags();
    const remote = (await this.remote.list()).filter((o) => !o.key.startsWith(`${snapshotsDir}/`));
    const remoteKeys = new Set(remote.map((o) => o.key));
    const manifestObject = remote.find((o) => o.key === manifestFile);
    let remoteManifest: LakeManifest | undefined;
    const manifestTmp = tempPathFor(path.join(this.root, manifestFile));
    await mkdir(this.root, { recursive: true });
    try {
      const localManifest = path.join(this.root, manifestFile);
      if (manifestObject && etags[manifestFile] === manifestObject.etag && (await exists(localManifest))) {
        // Unchanged since the last sync: nothing to fetch, the cache's copy is the remote one.
        await cp(localManifest, manifestTmp);
        remoteManifest = parseManifest(await readFile(manifestTmp, 'utf8'), localManifest);
      } else if (manifestObject) {
        await this.remote.downloadTo(manifestFile, manifestTmp);
        this.transfers.downloaded++;
        remoteManifest = parseManifest(
          await readFile(manifestTmp, 'utf8'),
          this.remote.describe(manifestFile),
        );
      }
      const wanted = remoteManifest ? referencedFiles(remoteManifest) : undefined;
      for (const object of remote) {
        if (object.key === manifestFile || (wanted && !wanted.has(object.key))) continue;
        const local = path.join(this.root, object.key);
        if (etags[object.key] === object.etag && (await exists(local))) {
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
        etags[object.key] = object.etag;
        result.downloaded++;
        this.transfers.downloaded++;
      }
      for (const key of Object.keys(etags)) {
        if (remoteKeys.has(key)) continue;
        await rm(path.join(this.root, key), { force: true });
        delete etags[key];
        result.deleted++;
      }
      if (remoteManifest && manifestObject) {
        await rename(manifestTmp, path.join(this.root, manifestFile));
        etags[manifestFile] = manifestObject.etag;
        this.committed = remoteManifest;
      } else {
        this.committed = undefined;
      }
      await this.writeEtags(etags);
    } finally {
      await rm(manifestTmp, { force: true });
    }
    return result;
  }

  close(): void {
    this.remote?.destroy();
  }

  /**
   * The published manifest, read afresh (another process may have published since); a lake from
   * before manifests is read from its folders.
   */
  private async load(): Promise<LakeManifest> {
    const file = path.join(this.root, manifestFile);
    try {
      this.committed = parseManifest(await readFile(file, 'utf8'), file);
    } catch (error) {
      if (!isEnoent(error)) throw error;
      this.committed = await this.scanFolders();
    }
    return this.committed;
  }

  /**
   * Applies a change to the transaction's manifest, or publishes it at once (with `evenInTransaction`,
   * both: the committed set gets it now, the transaction's set keeps it): read, change, write,
   * one change at a time, so parallel writers in this process (sources fetched side by side) never
   * lose each other's tables.
   */
  private async record(
    change: string,
    mutate: (manifest: LakeManifest) => void,
    options: { evenInTransaction?: boolean } = {},
  ): Promise<void> {
    if (this.transaction) {
      mutate(this.transaction.manifest);
      if (!options.evenInTransaction) return;
    }
    const publish = async () => {
      const next = cloneManifest(await this.load());
      mutate(next);
      await this.saveManifest(next, change);
    };
    const done = this.publishing.then(publish, publish);
    this.publishing = done.catch(() => undefined);
    await done;
  }

  private async saveManifest(manifest: LakeManifest, publishedBy: string): Promise<void> {
    const next: LakeManifest = {
      ...manifest,
      format: MANIFEST_FORMAT,
      published_by: publishedBy,
      published_at: new Date().toISOString(),
    };
    const file = path.join(this.root, manifestFile);
    await mkdir(this.root, { recursive: true });
    const tmp = tempPathFor(file);
    try {
      await writeFile(tmp, `${JSON.stringify(next, null, 1)}\n`);
      if (this.remote) {
        const etag = await this.remote.putFile(manifestFile, tmp, 'application/json');
        this.transfers.uploaded++;
        await rename(tmp, file);
        await this.recordEtag(manifestFile, etag);
      } else {
        await rename(tmp, file);
      }
    } finally {
      await rm(tmp, { force: true });
    }
    this.committed = next;
  }

  /**
   * Writes a file at a path no manifest names yet: to S3 first when remote, then into the root.
   * With `unlessSameAs`, a file identical to that one is dropped instead (false): a daily run
   * rewrites every table, and most come out the same, so S3 gets only the tables that changed.
   */
  private async putFile(relative: string, write: ParquetWriter, unlessSameAs?: string): Promise<boolean> {
    const target = path.join(this.root, relative);
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = tempPathFor(target);
    try {
      await write(tmp);
      if (unlessSameAs && (await sameContent(tmp, unlessSameAs))) return false;
      if (this.remote) {
        const etag = await this.remote.putFile(relative, tmp);
        this.transfers.uploaded++;
        await rename(tmp, target);
        await this.recordEtag(relative, etag);
      } else {
        await rename(tmp, target);
      }
      return true;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /**
   * Deletes Parquet files (and temp files left by a killed run) that none of the given manifests
   * names, in the root and on S3. Snapshots are never touched. Only a run holding the lock calls it.
   */
  private async collectGarbage(keep: LakeManifest[]): Promise<void> {
    const referenced = new Set<string>();
    const layers = new Set<string>(lakeLayers);
    for (const manifest of keep) {
      for (const file of referencedFiles(manifest)) referenced.add(file);
      for (const key of Object.keys(manifest.tables)) layers.add(key.split('/')[0]!);
    }
    // Only the layers' folders: a local lake's root may hold other things (data/sandbox, reports).
    const isStale = (relative: string) =>
      layers.has(relative.split('/')[0]!) &&
      (relative.endsWith('.tmp') || (relative.endsWith('.parquet') && !referenced.has(relative)));
    for (const layer of layers) {
      const dir = path.join(this.root, layer);
      const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (!entry.isFile()) continue;
        const file = path.join(entry.parentPath, entry.name);
        if (isStale(path.relative(this.root, file).split(path.sep).join('/')))
          await rm(file, { force: true });
      }
    }
    if (!this.remote) return;
    const etags = await this.readEtags();
    for (const object of await this.remote.list()) {
      if (!isStale(object.key)) continue;
      await this.remote.delete(object.key);
      delete etags[object.key];
    }
    await this.writeEtags(etags);
  }

  /** A lake written before manifests: `<layer>/<name>.parquet` files and folders of parts. */
  private async scanFolders(): Promise<LakeManifest> {
    const manifest = emptyManifest();
    const addParts = async (key: string) => {
      const parts = (await listDir(path.join(this.root, key))).filter((f) => f.endsWith('.parquet'));
      if (parts.length > 0)
        manifest.tables[key] = { layout: 'parts', parts: parts.map((p) => `${key}/${p}`) };
    };
    for (const layer of await listDir(this.root)) {
      if (layer === snapshotsDir || layer.startsWith('.') || !(await isDir(path.join(this.root, layer))))
        continue;
      if (layer === 'raw') {
        for (const source of await listDir(path.join(this.root, 'raw'))) {
          for (const stream of await listDir(path.join(this.root, 'raw', source))) {
            await addParts(`raw/${source}/${stream}`);
          }
        }
        continue;
      }
      for (const entry of await listDir(path.join(this.root, layer))) {
        // `@` marks a versioned file that was never published (a run killed before its first commit).
        if (entry.startsWith('.') || entry.includes('@')) continue;
        if (!entry.endsWith('.parquet')) {
          await addParts(`${layer}/${entry}`);
          continue;
        }
        const key = `${layer}/${entry.slice(0, -'.parquet'.length)}`;
        manifest.tables[key] = { layout: 'file', file: `${key}.parquet` };
      }
    }
    return manifest;
  }

  /** One update of the ETag file at a time: parallel uploads must not lose each other's entries. */
  private recordEtag(key: string, etag: string): Promise<void> {
    const update = async () => {
      const etags = await this.readEtags();
      etags[key] = etag;
      await this.writeEtags(etags);
    };
    const done = this.etagUpdates.then(update, update);
    this.etagUpdates = done.catch(() => undefined);
    return done;
  }

  private async readEtags(): Promise<Record<string, string>> {
    try {
      return JSON.parse(await readFile(path.join(this.root, etagManifest), 'utf8')) as Record<string, string>;
    } catch (error) {
      if (isEnoent(error)) return {};
      throw error;
    }
  }

  private async writeEtags(etags: Record<string, string>): Promise<void> {
    const file = path.join(this.root, etagManifest);
    await mkdir(this.root, { recursive: true });
    const tmp = tempPathFor(file);
    await writeFile(tmp, `${JSON.stringify(etags, null, 1)}\n`);
    await rename(tmp, file);
  }
}

/**
 * A table's manifest entry with one more part, last (moved there if it had it): a `file` table's file
 * becomes its first part with `keepFile`, else the part starts the table. Deletes stay as they were.
 */
function withPart(
  entry: ManifestEntry | undefined,
  relative: string,
  options: { keepFile: boolean },
): ManifestEntry {
  if (entry?.layout === 'parts')
    return { ...entry, parts: [...entry.parts.filter((p) => p !== relative), relative] };
  const first = entry?.layout === 'file' && options.keepFile ? [entry.file] : [];
  return { layout: 'parts', parts: [...first, relative] };
}

/** Sortable and unique: when the version was written, and random bytes. */
function versionStamp(): string {
  return `${new Date().toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`;
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

/** Byte for byte, by size then SHA-256. */
async function sameContent(a: string, b: string): Promise<boolean> {
  const [sizeA, sizeB] = await Promise.all([stat(a), stat(b).catch(() => undefined)]);
  if (!sizeB || sizeA.size !== sizeB.size) return false;
  const [hashA, hashB] = await Promise.all([fileHash(a), fileHash(b)]);
  return hashA === hashB;
}

async function fileHash(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
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

/** The one file that holds a table whole, if there is one: its file, or its only part when nothing of it is deleted. */
function wholeFile(entry: ManifestEntry): string | undefined {
  if (entry.layout === 'file') return entry.file;
  return entry.parts.length === 1 && !entry.deletes ? entry.parts[0] : undefined;
}
