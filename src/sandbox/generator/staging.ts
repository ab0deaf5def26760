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

export interface StagedFile {
  stream: string;
  file: string;
  rows: number;
}

export interface StagedPart {
  part: number;
  files: StagedFile[];
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

  readonly emit: EmitRow = (stream, recordId, payload) => {
    let open = this.streams.get(stream);
    if (!open) {
      const file = path.join(this.dir, `${stream.replace('/', '__')}-${this.tag}.tsv`);
      open = { file, fd: openSync(file, 'w'), buffer: Buffer.allocUnsafe(BUFFER_BYTES), used: 0, rows: 0 };
      this.streams.set(stream, open);
    }
    const line = `${recordId}\t${JSON.stringify(payload)}\n`;
    // A UTF-8 character takes at most three bytes per UTF-16 unit.
    if (open.used + line.length * 3 > open.buffer.length) {
      this.flush(open);
      if (line.length * 3 > open.buffer.length) open.buffer = Buffer.allocUnsafe(line.length * 3);
    }
    open.used += open.buffer.write(line, open.used, 'utf8');
    open.rows++;
  };

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

/**
 * Households of chunks `[part × perPart, (part + 1) × perPart)` rendered as of `clockMs` into staging
 * files, one household at a time so nothing outlives its household.
 */
export function stagePart(
  ctx: GenContext,
  part: number,
  perPart: number,
  clockMs: number,
  dir: string,
): StagedPart {
  const files = new StreamFiles(dir, String(part).padStart(5, '0'));
  const totals = emptyTotals();
  const lastChunk = Math.min(chunkCount(ctx), (part + 1) * perPart);
  for (let chunk = part * perPart; chunk < lastChunk; chunk++) {
    const ids = new IdCounters(chunk);
    const end = Math.min(ctx.householdCount, (chunk + 1) * CHUNK_HOUSEHOLDS);
    for (let index = chunk * CHUNK_HOUSEHOLDS; index < end; index++) {
      addTotals(totals, emitChunkRows(ctx, generateHousehold(ctx, index, ids), clockMs, files.emit));
    }
    ids.assertWithinBlock();
  }
  return { part, files: files.close(), totals };
}
