import type { Database } from '../sql/database.ts';

/** `state/daily_runs` (view `daily_runs`): one row per daily run, replaced as the run moves on. */
export const runLogKey = 'state/daily_runs';

export interface StepRecord {
  name: string;
  seconds: number;
  records: number | null;
  rejected: number | null;
  detail: string;
}

/** `published`: its tables are the published set, the steps after publishing still running. */
export type RunStatus = 'ok' | 'failed' | 'running' | 'published';

export interface RunRecord {
  runId: string;
  startedAt: Date;
  finishedAt: Date | null;
  status: RunStatus;
  error: string | null;
  steps: StepRecord[];
  /** The command line's options, so a reader knows what kind of run it was. */
  options: string;
}

export const interruptedError =
  'interrupted: the run stopped before it finished (killed, crashed or the machine went down); none of its tables were published (only the model answers it paid for, kept in the LLM cache)';

export const interruptedAfterPublishError =
  'interrupted after publishing: its tables are published; the steps after publish (Mailchimp sync, reports) did not finish';

const emptyLog = `select null::varchar as run_id, null::timestamptz as started_at, null::timestamptz as finished_at,
  null::varchar as status, null::varchar as error, null::json as steps, null::varchar as options where false`;

/**
 * Writes this run's row, replacing its earlier row. Only the run holding the lock writes, so a row
 * still 'running' or 'published' from another run is one that died: it is marked failed as
 * interrupted, before or after its tables were published (the row a run writes as it publishes goes
 * out with its tables, so the log and the manifest agree wherever it was killed).
 */
export async function recordRun(db: Database, run: RunRecord): Promise<void> {
  const previous = (await db.lake.table(runLogKey)) ? 'select * from daily_runs' : emptyLog;
  await db.writeSelect(
    runLogKey,
    `with previous as (${previous})
     select run_id, started_at, finished_at,
            case when status in ('running', 'published') then 'failed' else status end as status,
            case status when 'running' then $interrupted when 'published' then $interrupted_after_publish
                        else error end as error,
            steps, options
     from previous where run_id <> $run_id
     union all
     select $run_id, $started_at::timestamptz, $finished_at::timestamptz, $status, $error, $steps::json, $options
     order by started_at, run_id`,
    {
      interrupted: interruptedError,
      interrupted_after_publish: interruptedAfterPublishError,
      run_id: run.runId,
      started_at: run.startedAt,
      finished_at: run.finishedAt,
      status: run.status,
      error: run.error,
      steps: JSON.stringify(run.steps),
      options: run.options,
    },
  );
}
