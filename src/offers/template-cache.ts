import { randomBytes } from 'node:crypto';
import type { Database } from '../sql/database.ts';
import { PARQUET_WRITE_OPTIONS, parquetReader, sqlString } from '../sql/database.ts';
import type { TemplateAnalysis } from './analysis-schema.ts';

export type AnalyzedBy = 'llm' | 'heuristic';

/** One row of `state/email_templates`: a template's analysis, keyed by the hash of what was read. */
export interface TemplateRecord extends Partial<Omit<TemplateAnalysis, keyof OfferFields>>, OfferFields {
  content_hash: string;
  campaign_id: string;
  title: string;
  subject: string;
  analyzed_by: AnalyzedBy;
  model: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
  analyzed_at: string;
}
type OfferFields = Pick<
  TemplateAnalysis,
  | 'has_offer'
  | 'offer_type'
  | 'offer_amount'
  | 'offer_code'
  | 'offer_expires'
  | 'offer_description'
  | 'email_category'
>;

export const TEMPLATE_CACHE_KEY = 'state/email_templates';

/** Publishes each template answer as soon as the part before it is written (see `AnswerPublisher`). */
export function templateAnswerPublisher(db: Database): AnswerPublisher {
  return new AnswerPublisher(db, TEMPLATE_CACHE_KEY, COLUMNS);
}

/** A template's offer, as stored in the cache and in `core/campaign_offers`. */
export const OFFER_COLUMNS: [string, string][] = [
  ['has_offer', 'BOOLEAN'],
  ['offer_type', 'VARCHAR'],
  ['offer_amount', 'VARCHAR'],
  ['offer_code', 'VARCHAR'],
  ['offer_expires', 'DATE'],
  ['offer_description', 'VARCHAR'],
  ['email_category', 'VARCHAR'],
];

/** The columns of `core/campaign_offers`: every campaign with the offer its template carries. */
export const CAMPAIGN_OFFER_COLUMNS: [string, string][] = [
  ['campaign_id', 'VARCHAR'],
  ['campaign_title', 'VARCHAR'],
  ['subject_line', 'VARCHAR'],
  ['sent_at', 'TIMESTAMPTZ'],
  ['content_hash', 'VARCHAR'],
  ['analyzed_by', 'VARCHAR'],
  ...OFFER_COLUMNS,
  ['analysis_error', 'VARCHAR'],
  ['offer_status', 'VARCHAR'],
  ['offer_review_reason', 'VARCHAR'],
];

/** Before the first template analysis, the timeline reads campaign offers as an empty table. */
export const CAMPAIGN_OFFERS_PLACEHOLDER = emptySelect(CAMPAIGN_OFFER_COLUMNS);

/** The columns of `state/email_templates`, in order, as DuckDB types. */
const COLUMNS: [string, string][] = [
  ['content_hash', 'VARCHAR'],
  ['campaign_id', 'VARCHAR'],
  ['title', 'VARCHAR'],
  ['subject', 'VARCHAR'],
  ...OFFER_COLUMNS,
  ['summary', 'VARCHAR'],
  ['tone', 'VARCHAR'],
  ['content_type', 'VARCHAR'],
  ['calls_to_action', 'VARCHAR[]'],
  ['themes', 'VARCHAR[]'],
  ['analyzed_by', 'VARCHAR'],
  ['model', 'VARCHAR'],
  ['input_tokens', 'BIGINT'],
  ['output_tokens', 'BIGINT'],
  ['cost_usd', 'DOUBLE'],
  ['analyzed_at', 'TIMESTAMPTZ'],
];

/** The cache as stored; empty before its first write. */
export async function readTemplateCache(db: Database): Promise<Map<string, TemplateRecord>> {
  const info = await db.lake.table(TEMPLATE_CACHE_KEY);
  if (!info) return new Map();
  const rows = await db.query(
    `select * replace (
       offer_expires::varchar as offer_expires, strftime(analyzed_at, '%Y-%m-%dT%H:%M:%S.%g%z') as analyzed_at,
       input_tokens::integer as input_tokens, output_tokens::integer as output_tokens
     )
     from ${parquetReader(info)}
     -- Answers are appended as they arrive: a template read by the heuristic, then by the model, has both.
     qualify row_number() over (partition by content_hash order by analyzed_by = 'llm' desc, analyzed_at desc) = 1`,
  );
  return new Map(rows.map((row) => [String(row.content_hash), row as unknown as TemplateRecord]));
}

/** Replaces the cache with `records`, atomically: one file again in place of the answers' parts. */
export async function writeTemplateCache(db: Database, records: TemplateRecord[]): Promise<void> {
  await writeRecords(db, TEMPLATE_CACHE_KEY, COLUMNS, records);
}

/** A select of typed columns and no rows: a table read before it is first written. */
export function emptySelect(columns: [string, string][]): string {
  return `select ${columns.map(([name, type]) => `null::${type} as "${name}"`).join(', ')} where false`;
}

/**
 * Writes rows built in TypeScript to a lake table with an explicit schema: the rows travel as one
 * JSON parameter, so no value is spliced into SQL, and an empty list still writes a typed table.
 */
export async function writeRecords(
  db: Database,
  key: string,
  columns: [string, string][],
  records: object[],
): Promise<void> {
  await db.writeSelect(key, recordsSelect(columns), recordsParams(records));
}

function recordsSelect(columns: [string, string][]): string {
  const structure = JSON.stringify(Object.fromEntries(columns));
  const names = columns.map(([name]) => `"${name}"`).join(', ');
  return `select ${names} from (select unnest(from_json($rows::json, ${sqlString(`[${structure}]`)}), recursive := true))`;
}

function recordsParams(records: object[]): { rows: string } {
  return {
    rows: JSON.stringify(records, (_key, value) => (typeof value === 'bigint' ? Number(value) : value)),
  };
}

/**
 * The LLM cache's writer: each answer is published as a part of the state table as soon as the part
 * before it is written, on its own and not with the run's set, so a run killed later never pays for
 * it again. Callers do not wait for the write: answers that arrive while a part is being written go
 * together into the next one, so a fast API is not held to one manifest update per answer. At the
 * end of a run, the analysis rewrites the table whole in the run's transaction, which compacts the
 * parts.
 */
export class AnswerPublisher {
  private pending: object[] = [];
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;
  private parts = 0;
  private readonly runStamp =
    `${new Date().toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;

  constructor(
    private readonly db: Database,
    private readonly key: string,
    private readonly columns: [string, string][],
  ) {}

  /**
   * Queues `record` for the next part. Throws the error of a part that failed, so no further answer
   * is paid for that could not be kept.
   */
  add(record: object): void {
    if (this.failure !== undefined) throw this.failure;
    this.pending.push(record);
    this.chain = this.chain
      .then(() => this.drain())
      .catch((error: unknown) => {
        this.failure ??= error;
      });
  }

  /** Resolves once every queued record is published; rejects with the first part that failed. */
  async published(): Promise<void> {
    await this.chain;
    if (this.failure !== undefined) throw this.failure;
  }

  private async drain(): Promise<void> {
    if (this.pending.length === 0 || this.failure !== undefined) return;
    const batch = this.pending.splice(0);
    this.parts += 1;
    await this.db.lake.publishPart(this.key, `${this.runStamp}-${this.parts}`, (tmp) =>
      this.db.run(
        `copy (${recordsSelect(this.columns)}) to ${sqlString(tmp)} ${PARQUET_WRITE_OPTIONS}`,
        recordsParams(batch),
      ),
    );
  }
}
