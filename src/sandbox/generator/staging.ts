/**
 * Renders a group of household chunks to tab-separated staging files, one per raw stream: the record
 * id, a tab, the payload as JSON. JSON text never holds a raw tab or newline, so DuckDB can read the
 * files without quoting rules and turn each into a Parquet part.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { chunkCount } from './chunk.ts';
import { CHUNK_HOUSEHOLDS, type GenContext, IdCounters } from './context.ts';
import { generateHousehold } from './household.ts';
import { addTotals, type ChunkTotals, type EmitRow, emitChunkRows, emptyTotals } from './lake-rows.ts';
import type { ReportTally } from './views.ts';

export interface StagedFile {
  stream: string;
  file: string;
  rows: number;
}

export interface StagedPart {
  part: number;
  files: StagedFile[];
  totals: ChunkTotals;
  /** Day k (1-based, index k − 1): the rows new or changed since the clock a day earlier. */
  days: StagedDay[];
}

export interface StagedDay {
  files: StagedFile[];
  /** Totals as of that day's clock (the gym-wide rows are rendered from them). */
  totals: ChunkTotals;
}

/** Bytes buffered per stream before a write. */
const BUFFER_BYTES = 1 << 19;

interface OpenStream {
  file: string;
  fd: number;
  buffer: Buffer;
  used: number;
  rows: number;
}

/**
 * Writes rows per stream to `<dir>/<source>__<stream>-<tag>.tsv` as they come, encoded straight into
 * a reusable buffer, so the text dies young instead of piling up for the garbage collector.
 */
export class StreamFiles {
  private readonly streams = new Map<string, OpenStream>();

  constructor(
    private readonly dir: string,
    private readonly tag: string,
  ) {}

  readonly emit: EmitRow = (stream, recordId, payload) =>
    this.emitText(stream, recordId, JSON.stringify(payload));

  /** A row whose payload is already JSON text. */
  emitText(stream: string, recordId: string, json: string): void {
    let open = this.streams.get(stream);
    if (!open) {
      const file = path.join(this.dir, `${stream.replace('/', '__')}-${this.tag}.tsv`);
      open = { file, fd: openSync(file, 'w'), buffer: Buffer.allocUnsafe(BUFFER_BYTES), used: 0, rows: 0 };
      this.streams.set(stream, open);
    }
    const line = `${recordId}\t${json}\n`;
    // A UTF-8 character takes at most three bytes per UTF-16 unit.
    if (open.used + line.length * 3 > open.buffer.length) {
      this.flush(open);
      if (line.length * 3 > open.buffer.length) open.buffer = Buffer.allocUnsafe(line.length * 3);
    }
    open.used += open.buffer.write(line, open.used, 'utf8');
    open.rows++;
  }

  private flush(open: OpenStream): void {
    if (open.used > 0) writeSync(open.fd, open.buffer, 0, open.used);
    open.used = 0;
  }

  close(): StagedFile[] {
    const files: StagedFile[] = [];
    for (const [stream, open] of this.streams) {
      this.flush(open);
      closeSync(open.fd);
      files.push({ stream, file: open.file, rows: open.rows });
    }
    this.streams.clear();
    return files;
  }
}

/** The rows one render emitted, by stream and record id, as JSON text. */
type Rendered = Map<string, Map<string, string>>;

function capture(into: Rendered): EmitRow {
  return (stream, recordId, payload) => {
    let rows = into.get(stream);
    if (!rows) {
      rows = new Map();
      into.set(stream, rows);
    }
    rows.set(recordId, JSON.stringify(payload));
  };
}

/**
 * Writes what a fetch at a clock would add after a fetch at the clock before: the rows the later
 * render has that the earlier lacks or shows otherwise (a fetch stores a record again only when its
 * payload changed).
 */
function emitChanged(before: Rendered, after: Rendered, files: StreamFiles): void {
  for (const [stream, rows] of after) {
    const earlier = before.get(stream);
    for (const [recordId, json] of rows)
      if (earlier?.get(recordId) !== json) files.emitText(stream, recordId, json);
  }
}

/**
 * Renders rows at each of `days` clocks with `render(day, emit)`, writing day 0's whole and each
 * later day's as the changes since the day before.
 */
export function renderDays(
  days: number,
  render: (day: number, emit: EmitRow) => ChunkTotals,
  files: StreamFiles[],
  totals: ChunkTotals[],
): void {
  if (days === 1) {
    addTotals(totals[0]!, render(0, files[0]!.emit));
    return;
  }
  let before: Rendered | undefined;
  for (let day = 0; day < days; day++) {
    const after: Rendered = new Map();
    addTotals(totals[day]!, render(day, capture(after)));
    if (before) emitChanged(before, after, files[day]!);
    else
      for (const [stream, rows] of after) for (const [id, json] of rows) files[0]!.emitText(stream, id, json);
    before = after;
  }
}

/**
 * Households of chunks `[part × perPart, (part + 1) × perPart)` rendered into staging files, one
 * household at a time so nothing outlives its household: whole as of `clocks[0]`, and for each later
 * clock (a day apart) the rows new or changed since the one before.
 */
export function stagePart(
  ctx: GenContext,
  part: number,
  perPart: number,
  clocks: readonly number[],
  dir: string,
): StagedPart {
  const tag = String(part).padStart(5, '0');
  const files = clocks.map((_, day) => new StreamFiles(dir, day === 0 ? tag : `${tag}-day${day}`));
  const totals = clocks.map(() => emptyTotals());
  const lastChunk = Math.min(chunkCount(ctx), (part + 1) * perPart);
  for (let chunk = part * perPart; chunk < lastChunk; chunk++) {
    const ids = new IdCounters(chunk);
    const end = Math.min(ctx.householdCount, (chunk + 1) * CHUNK_HOUSEHOLDS);
    for (let index = chunk * CHUNK_HOUSEHOLDS; index < end; index++) {
      const household = generateHousehold(ctx, index, ids);
      renderDays(
        clocks.length,
        (day, emit) => emitChunkRows(ctx, household, clocks[day]!, emit),
        files,
        totals,
      );
    }
    ids.assertWithinBlock();
  }
  return {
    part,
    files: files[0]!.close(),
    totals: totals[0]!,
    days: files.slice(1).map((f, k) => ({ files: f.close(), totals: totals[k + 1]! })),
  };
}

/** Totals as a worker posts them (entries, not maps). */
export interface PostedTotals {
  associationMembers: [number, number][];
  reports: [string, ReportTally][];
}

export interface WorkerReply {
  part: number;
  files: StagedFile[];
  totals: PostedTotals;
  days: { files: StagedFile[]; totals: PostedTotals }[];
}

export function serialiseTotals(totals: ChunkTotals): PostedTotals {
  return { associationMembers: [...totals.associationMembers], reports: [...totals.reports] };
}

export function parseTotals(posted: PostedTotals): ChunkTotals {
  return { associationMembers: new Map(posted.associationMembers), reports: new Map(posted.reports) };
}
