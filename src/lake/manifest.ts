import { z } from 'zod';

/**
 * What the lake holds right now: every table's published files. Readers find tables only through
 * it, and a writer replaces it in one step (a rename locally, a completed multipart upload on S3)
 * after every file it names is in place, so a reader sees one whole set of tables or the previous
 * one, never a mix.
 */
export const manifestFile = '_lake.json';

const entrySchema = z.discriminatedUnion('layout', [
  z.object({ layout: z.literal('file'), file: z.string() }),
  z.object({
    layout: z.literal('parts'),
    parts: z.array(z.string()),
    /**
     * A Parquet file of the parts' rows to leave out, `(part, part_row)`: a part's file name and a
     * row number in it (from 0). A merge marks the rows a newer version supersedes here instead of
     * rewriting the parts that hold them; published with the parts, in the same manifest change.
     */
    deletes: z.string().optional(),
  }),
]);
export type ManifestEntry = z.infer<typeof entrySchema>;

/** 2: a table of parts may name deletes; code that reads only format 1 would not leave them out. */
export const MANIFEST_FORMAT = 2;

const manifestSchema = z.object({
  format: z.union([z.literal(1), z.literal(MANIFEST_FORMAT)]),
  /** The run (or command) that published this set. */
  published_by: z.string().nullable(),
  published_at: z.string().nullable(),
  tables: z.record(z.string(), entrySchema),
});
export type LakeManifest = z.infer<typeof manifestSchema>;

export function emptyManifest(): LakeManifest {
  return { format: MANIFEST_FORMAT, published_by: null, published_at: null, tables: {} };
}

export function parseManifest(text: string, where: string): LakeManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${where} is not valid JSON`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${where} is not a lake manifest: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

export function cloneManifest(manifest: LakeManifest): LakeManifest {
  return structuredClone(manifest);
}

/** Every file (relative to the lake root) a manifest names. */
export function referencedFiles(manifest: LakeManifest): Set<string> {
  const files = new Set<string>();
  for (const entry of Object.values(manifest.tables)) {
    if (entry.layout === 'file') files.add(entry.file);
    else for (const file of [...entry.parts, ...(entry.deletes ? [entry.deletes] : [])]) files.add(file);
  }
  return files;
}
