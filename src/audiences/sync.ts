import { gunzipSync } from 'node:zlib';
import { extract } from 'tar-stream';
import { z } from 'zod';
import { HttpStatusError, type RetryOptions, statusOf, withRetry } from '../fetch/retry.ts';
import { appendState, stateSource } from '../rules/state-tables.ts';
import { allPages, callMailchimp, type Mailchimp, parseWith } from '../sources/mailchimp/client.ts';
import type { MailchimpSettings } from '../sources/mailchimp/config.ts';
import type { Database } from '../sql/database.ts';
import { type Audience, discoverAudiences } from './compute.ts';
import { declaredMergeFields, ensureMergeFields, mergeUpdates, planMergeDiff } from './merge-fields.ts';

/** Why an audience member is not sent: consent and reachability, reported per reason. */
export const SKIP_REASONS = ['no_email', 'no_member', 'unsubscribed', 'cleaned'] as const;

/** A diff touching more members than this goes through the batch endpoint; a smaller one through member tags. */
export const BATCH_THRESHOLD = 100;
const OPERATIONS_PER_BATCH = 1000;
const SAMPLE_SIZE = 5;

export interface SyncOptions {
  settings: MailchimpSettings;
  /** Send the plan; without it, a dry run that writes nothing. */
  apply: boolean;
  /** Read the current tags back from Mailchimp and diff against them instead of the sync state. */
  reconcile?: boolean;
  now: Date;
  syncId: string;
  batchThreshold?: number;
  retry?: RetryOptions;
  /** How often a batch's status is polled. */
  pollMs?: number;
  /** The audiences to sync; by default those of `queries/audiences/`. */
  audiences?: Audience[];
}

export interface AudiencePlan {
  audience: string;
  /** Members to tag (the holdout left out). */
  members: number;
  /** Experiment members to tag by group, and those held out (never tagged). */
  groups: Record<string, number>;
  holdout: number;
  adds: number;
  removes: number;
  skipped: Record<string, number>;
  /** A few planned changes: `+tag email-hash` or `-tag email-hash`. */
  sample: string[];
  sent: number;
  failed: number;
}

export interface MemberFailure {
  subscriber_hash: string;
  tags: string[];
  reason: string;
}

/** The merge-field part of a sync: values from the audiences' traits, sent to existing members only. */
export interface MergePlan {
  /** Members whose values change, and the values (a cleared one counts). */
  members: number;
  values: number;
  /** A few planned values: `TAG=value email-hash`. */
  sample: string[];
  /** Merge fields the list lacked, created with their type. */
  created: string[];
  sent: number;
  failed: number;
}

export interface SyncResult {
  syncId: string;
  mode: 'dry-run' | 'member-tags' | 'batch' | 'nothing to send';
  audiences: AudiencePlan[];
  merge: MergePlan;
  apiCalls: number;
  seconds: number;
  failures: MemberFailure[];
}

const memberSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  tags: z.array(z.looseObject({ name: z.string() })).default([]),
  merge_fields: z.record(z.string(), z.unknown()).default({}),
});

/** A batch operation request (its status and, once finished, its results archive's link). */
export const batchSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  response_body_url: z.string().default(''),
});

/** One operation's result in a batch's results archive. */
export const operationResultSchema = z.looseObject({
  status_code: z.number(),
  operation_id: z.string().nullable(),
  response: z.string(),
});

/**
 * Audiences to Mailchimp tags (reverse ETL). Each syncing audience's members (`core/audience_members`,
 * holdout excluded) are matched to the list's existing members by the MD5 of a lower-cased email
 * (the golden email first, then the customer's other emails, those seen in more records first, then
 * alphabetically); nobody is subscribed and no status changes. The plan is the difference between
 * the wanted tags and `state/audience_sync_state` (what Mailchimp last confirmed), or, with
 * `reconcile`, the tags Mailchimp holds now. Applying sends it, records what was confirmed and each
 * member that failed (retried next run, since it stays in the diff), and appends to `state/sync_runs`.
 */
export async function syncAudiences(db: Database, options: SyncOptions): Promise<SyncResult> {
  const started = performance.now();
  const listId = options.settings.audienceId;
  let apiCalls = 0;
  const retry = options.retry ?? {};
  const call = <T>(
    what: string,
    request: (client: Mailchimp) => Promise<unknown>,
    parse: (b: unknown) => T,
  ) =>
    callMailchimp(
      options.settings,
      what,
      (client) => {
        apiCalls += 1;
        return request(client);
      },
      parse,
      retry,
    );

  const audiences = (options.audiences ?? (await discoverAudiences())).filter((a) => a.syncs);
  const declared = declaredMergeFields(audiences);
  const members = await allPages(
    options.settings,
    'Mailchimp list members',
    'members',
    1000,
    (client, page) => {
      apiCalls += 1;
      return client.lists.getListMembersInfo(listId, {
        ...page,
        fields: [
          'members.id',
          'members.status',
          'members.tags.name',
          ...(declared.size > 0 ? ['members.merge_fields'] : []),
          'total_items',
        ],
      });
    },
    retry,
  );
  await db.run(
    `create or replace temp table list_members (
       subscriber_hash varchar, status varchar, tags varchar[], merge_fields json)`,
  );
  await db.appendRows(
    'list_members',
    members.map((m) => {
      const member = memberSchema.parse(m);
      return [
        member.id,
        member.status,
        JSON.stringify(member.tags.map((t) => t.name)),
        JSON.stringify(member.merge_fields),
      ];
    }),
  );

  const plans = await planDiff(
    db,
    listId,
    audiences.map((a) => a.name),
    options.reconcile ?? false,
  );
  const changes = await db.query(
    `select subscriber_hash, list({'name': tag, 'status': status} order by tag) as tags
     from sync_changes group by subscriber_hash order by subscriber_hash`,
  );
  if (declared.size > 0) await planMergeDiff(db, listId, audiences, options.reconcile ?? false);
  const updates = declared.size > 0 ? await mergeUpdates(db) : [];
  const merge: MergePlan = {
    members: updates.length,
    values: updates.reduce((n, u) => n + Object.keys(u.merge_fields).length, 0),
    sample: updates
      .flatMap((u) => Object.entries(u.merge_fields).map(([tag, v]) => `${tag}=${v} ${u.subscriber_hash}`))
      .slice(0, SAMPLE_SIZE),
    created: [],
    sent: 0,
    failed: 0,
  };
  const failures: MemberFailure[] = [];
  let mode: SyncResult['mode'] = 'dry-run';
  const batchThreshold = options.batchThreshold ?? BATCH_THRESHOLD;
  const pollMs = options.pollMs ?? 250;
  if (options.apply) {
    const tagOperations = changes.map((row) => ({
      id: String(row.subscriber_hash),
      method: 'POST',
      path: `/lists/${listId}/members/${String(row.subscriber_hash)}/tags`,
      body: { tags: row.tags as { name: string; status: 'active' | 'inactive' }[] },
    }));
    const outcomes =
      changes.length > batchThreshold
        ? await sendBatches(tagOperations, call, pollMs)
        : await sendEach(tagOperations, call, 'member tags', (client, op) =>
            client.lists.updateListMemberTags(listId, op.id, op.body),
          );
    mode =
      changes.length + updates.length === 0
        ? 'nothing to send'
        : Math.max(changes.length, updates.length) > batchThreshold
          ? 'batch'
          : 'member-tags';
    await db.run(
      'create or replace temp table sync_outcomes (subscriber_hash varchar, status_code integer, reason varchar)',
    );
    await db.appendRows(
      'sync_outcomes',
      [...outcomes].map(([hash, o]) => [hash, String(o.status), o.reason ?? null]),
    );
    for (const row of changes) {
      const outcome = outcomes.get(String(row.subscriber_hash));
      if (outcome && outcome.status < 300) continue;
      failures.push({
        subscriber_hash: String(row.subscriber_hash),
        tags: (row.tags as { name: string; status: string }[]).map(
          (t) => `${t.status === 'active' ? '+' : '-'}${t.name}`,
        ),
        reason: outcome?.reason ?? 'no answer',
      });
    }
    await storeConfirmed(db, listId, options.now, {
      table: 'audience_sync_state',
      base: 'sync_base',
      changes: 'sync_changes',
      outcomes: 'sync_outcomes',
      wanted: 'sync_wanted',
      key: 'tag',
      columns: 'tag',
      present: "status = 'active'",
    });
    if (updates.length > 0)
      await sendMergeFields(db, listId, updates, declared, merge, failures, options, call);
    const sentBy = await db.query(
      `select split_part(c.tag, ':', 1) as audience,
              count(*) filter (where o.status_code < 300)::bigint as sent,
              count(*) filter (where o.status_code is null or o.status_code >= 300)::bigint as failed
       from sync_changes as c left join sync_outcomes as o using (subscriber_hash) group by all`,
    );
    for (const plan of plans) {
      const row = sentBy.find((r) => r.audience === plan.audience);
      plan.sent = Number(row?.sent ?? 0);
      plan.failed = Number(row?.failed ?? 0);
    }
  }
  const result: SyncResult = {
    syncId: options.syncId,
    mode,
    audiences: plans,
    merge,
    apiCalls,
    seconds: (performance.now() - started) / 1000,
    failures,
  };
  if (options.apply) await recordSyncRun(db, result, options);
  return result;
}

/**
 * The diff, in SQL over the list's members (temp table `list_members`) and the lake's
 * `audience_members`, `customer_master` and `customer_identifiers`: who is wanted in which tag and
 * why not (`sync_wanted`), the base it is compared with (`sync_base`) and the changes (`sync_changes`).
 */
export async function planDiff(
  db: Database,
  listId: string,
  audienceNames: string[],
  reconcile: boolean,
): Promise<AudiencePlan[]> {
  await db.run('create or replace temp table synced_audiences (audience varchar)');
  await db.appendRows(
    'synced_audiences',
    audienceNames.map((name) => [name]),
  );
  await db.run(
    `create or replace temp table sync_wanted as
     with
     wanted as (
       select m.audience, m.customer_id, m.tag from audience_members as m
       semi join synced_audiences using (audience)
       where m.tag is not null
     ),
     emails as (
       select customer_id, lower(email) as email, 0 as golden_rank, 0 as records
       from customer_master where email is not null
       union all
       select customer_id, lower(normalized_value), 1, count(*)
       from customer_identifiers where identifier_type = 'email' group by all
     ),
     ranked as (
       select customer_id, email,
              row_number() over (partition by customer_id order by golden_rank, records desc, email) as email_rank
       from (select * from emails qualify row_number() over (partition by customer_id, email order by golden_rank) = 1)
     ),
     matched as (
       select r.customer_id, arg_min(l.subscriber_hash, r.email_rank) as subscriber_hash,
              arg_min(l.status, r.email_rank) as status
       from ranked as r inner join list_members as l on l.subscriber_hash = md5(r.email)
       group by r.customer_id
     )
     select w.audience, w.customer_id, w.tag, mt.subscriber_hash,
            case
              when not exists (select 1 from ranked as r where r.customer_id = w.customer_id) then 'no_email'
              when mt.subscriber_hash is null then 'no_member'
              when mt.status in ('unsubscribed', 'cleaned') then mt.status
            end as skip_reason
     from wanted as w left join matched as mt using (customer_id)`,
  );
  await db.run(
    `create or replace temp table sync_base as
     ${
       reconcile
         ? `select distinct l.subscriber_hash, t.tag from list_members as l, unnest(l.tags) as t(tag)
            where split_part(t.tag, ':', 1) in (select audience from synced_audiences)`
         : `select distinct subscriber_hash, tag from (${await stateSource(db, 'audience_sync_state')})
            where list_id = $list_id`
     }`,
    reconcile ? {} : { list_id: listId },
  );
  await db.run(
    `create or replace temp table sync_changes as
     with desired as (select distinct subscriber_hash, tag from sync_wanted where skip_reason is null)
     select subscriber_hash, tag, 'active' as status from desired anti join sync_base using (subscriber_hash, tag)
     union all
     select subscriber_hash, tag, 'inactive' from sync_base anti join desired using (subscriber_hash, tag)`,
  );

  return planOf(db, audienceNames);
}

async function planOf(db: Database, names: string[]): Promise<AudiencePlan[]> {
  const counts = await db.query(
    'select audience, count(distinct customer_id)::bigint as members from sync_wanted group by audience',
  );
  const skips = await db.query(
    `select audience, skip_reason, count(*)::bigint as n from sync_wanted where skip_reason is not null group by all`,
  );
  const experiments = await db.query(
    `select m.audience, case when m.holdout then 'holdout' else m.ab_group end as arm, count(*)::bigint as n
     from audience_members as m semi join synced_audiences using (audience)
     where m.ab_group is not null group by all`,
  );
  const diff = await db.query(
    `select split_part(tag, ':', 1) as audience, status, count(*)::bigint as n,
            list((case status when 'active' then '+' else '-' end) || tag || ' ' || subscriber_hash
                 order by subscriber_hash, tag)[1:${SAMPLE_SIZE}] as sample
     from sync_changes group by all`,
  );
  return names.map((audience) => {
    const of = (status: string) => diff.find((d) => d.audience === audience && d.status === status);
    return {
      audience,
      members: Number(counts.find((c) => c.audience === audience)?.members ?? 0),
      groups: Object.fromEntries(
        experiments
          .filter((e) => e.audience === audience && e.arm !== 'holdout')
          .map((e) => [String(e.arm), Number(e.n)]),
      ),
      holdout: Number(experiments.find((e) => e.audience === audience && e.arm === 'holdout')?.n ?? 0),
      adds: Number(of('active')?.n ?? 0),
      removes: Number(of('inactive')?.n ?? 0),
      skipped: Object.fromEntries(
        skips.filter((s) => s.audience === audience).map((s) => [String(s.skip_reason), Number(s.n)]),
      ),
      sample: [
        ...((of('active')?.sample as string[]) ?? []),
        ...((of('inactive')?.sample as string[]) ?? []),
      ].slice(0, SAMPLE_SIZE),
      sent: 0,
      failed: 0,
    };
  });
}

interface Outcome {
  status: number;
  reason?: string;
}

export type Call = <T>(
  what: string,
  request: (client: Mailchimp) => Promise<unknown>,
  parse: (b: unknown) => T,
) => Promise<T>;

/** One write to Mailchimp for one member: a member-tags call or a member update, alone or in a batch. */
interface MemberOperation<B> {
  /** The member's subscriber hash: the batch operation's id. */
  id: string;
  method: string;
  path: string;
  body: B;
}

/** One call per member, under the SDK's shared connection cap. */
async function sendEach<B>(
  operations: MemberOperation<B>[],
  call: Call,
  what: string,
  request: (client: Mailchimp, operation: MemberOperation<B>) => Promise<unknown>,
): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>();
  await Promise.all(
    operations.map(async (operation) => {
      try {
        await call(
          `Mailchimp ${what} ${operation.id}`,
          (client) => request(client, operation),
          (body) => body,
        );
        outcomes.set(operation.id, { status: 200 });
      } catch (error) {
        outcomes.set(operation.id, { status: statusOf(error) ?? 599, reason: (error as Error).message });
      }
    }),
  );
  return outcomes;
}

/**
 * The batch endpoint: operations of one member each (its id the subscriber hash), polled to
 * completion; the results archive (a gzipped tar of JSON arrays) tells each operation's status.
 */
async function sendBatches<B>(
  operations: MemberOperation<B>[],
  call: Call,
  pollMs: number,
): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>();
  for (let i = 0; i < operations.length; i += OPERATIONS_PER_BATCH) {
    const batchOperations = operations.slice(i, i + OPERATIONS_PER_BATCH).map((op) => ({
      method: op.method,
      path: op.path,
      body: JSON.stringify(op.body),
      operation_id: op.id,
    }));
    let batch = await call(
      'Mailchimp batch',
      (client) => client.batches.start({ operations: batchOperations }),
      parseWith(batchSchema, 'Mailchimp batch'),
    );
    while (batch.status !== 'finished') {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      const id = batch.id;
      batch = await call(
        `Mailchimp batch ${id}`,
        (client) => client.batches.status(id),
        parseWith(batchSchema, 'Mailchimp batch'),
      );
    }
    for (const result of await readResults(batch.response_body_url)) {
      if (!result.operation_id) continue;
      outcomes.set(result.operation_id, {
        status: result.status_code,
        ...(result.status_code >= 300 ? { reason: reasonOf(result.status_code, result.response) } : {}),
      });
    }
  }
  return outcomes;
}

/**
 * Sends the changed merge values: each missing merge field created first; then one update per member
 * (`PATCH /lists/{list_id}/members/{hash}` with only `merge_fields`, so neither status nor anything
 * else changes), or batches for a large diff. A value for a field the list holds with another type is
 * not sent and fails with that reason. Confirmed values are kept in `state/audience_merge_state`.
 */
async function sendMergeFields(
  db: Database,
  listId: string,
  updates: Awaited<ReturnType<typeof mergeUpdates>>,
  declared: Map<string, string>,
  merge: MergePlan,
  failures: MemberFailure[],
  options: SyncOptions,
  call: Call,
): Promise<void> {
  const needed = new Set(updates.flatMap((u) => Object.keys(u.merge_fields)));
  const fields = await ensureMergeFields(
    listId,
    new Map([...declared].filter(([tag]) => needed.has(tag))),
    call,
  );
  merge.created = fields.created;
  const operations = updates.map((u) => ({
    id: u.subscriber_hash,
    method: 'PATCH',
    path: `/lists/${listId}/members/${u.subscriber_hash}`,
    body: {
      merge_fields: Object.fromEntries(
        Object.entries(u.merge_fields).filter(([tag]) => !fields.unusable.has(tag)),
      ),
    },
  }));
  const sendable = operations.filter((op) => Object.keys(op.body.merge_fields).length > 0);
  const outcomes =
    sendable.length > (options.batchThreshold ?? BATCH_THRESHOLD)
      ? await sendBatches(sendable, call, options.pollMs ?? 250)
      : await sendEach(sendable, call, 'member update', (client, op) =>
          client.lists.updateListMember(listId, op.id, op.body),
        );
  for (const update of updates) {
    const unusable = Object.keys(update.merge_fields).find((tag) => fields.unusable.has(tag));
    const outcome = unusable
      ? { status: 400, reason: fields.unusable.get(unusable) }
      : (outcomes.get(update.subscriber_hash) ?? { status: 599, reason: 'no answer' });
    outcomes.set(update.subscriber_hash, outcome);
    if (outcome.status < 300) merge.sent += 1;
    else {
      merge.failed += 1;
      failures.push({
        subscriber_hash: update.subscriber_hash,
        tags: Object.entries(update.merge_fields).map(([tag, value]) => `${tag}=${value}`),
        reason: outcome.reason ?? 'no answer',
      });
    }
  }
  await db.run(
    'create or replace temp table merge_outcomes (subscriber_hash varchar, status_code integer, reason varchar)',
  );
  await db.appendRows(
    'merge_outcomes',
    [...outcomes].map(([hash, o]) => [hash, String(o.status), o.reason ?? null]),
  );
  await storeConfirmed(db, listId, options.now, {
    table: 'audience_merge_state',
    base: 'merge_base',
    changes: 'merge_changes',
    outcomes: 'merge_outcomes',
    wanted: 'merge_wanted',
    key: 'merge_tag',
    columns: 'merge_tag, value',
    present: "value <> ''",
  });
}

function reasonOf(status: number, response: string): string {
  try {
    const body = JSON.parse(response) as { detail?: string; title?: string };
    return `${status}: ${body.detail ?? body.title ?? response}`;
  } catch {
    return `${status}: ${response.slice(0, 200)}`;
  }
}

/** Downloads a batch's results archive (retried like any call) and reads every JSON file in it. */
export async function readResults(url: string): Promise<z.infer<typeof operationResultSchema>[]> {
  const bytes = await withRetry(async () => {
    const response = await fetch(url);
    if (!response.ok)
      throw new HttpStatusError(response.status, `batch results ${url} answered ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  });
  const results: z.infer<typeof operationResultSchema>[] = [];
  const tar = extract();
  const done = (async () => {
    for await (const entry of tar) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      if (entry.header.type === 'file' && entry.header.name.endsWith('.json'))
        results.push(
          ...z.array(operationResultSchema).parse(JSON.parse(Buffer.concat(chunks).toString('utf8'))),
        );
    }
  })();
  tar.end(gunzipSync(bytes));
  await done;
  return results;
}

/**
 * What Mailchimp confirmed, kept in a state table per list: the base less every row whose key a
 * confirmed member's change touched (and every row of a member Mailchimp no longer has, a 404),
 * plus the confirmed changes that leave something in place (a tag added, a value set). A failed
 * member keeps its base rows, so it stays in the next run's diff. `sync_state` keys on (member, tag),
 * `merge_state` on (member, merge tag) and keeps the value.
 */
async function storeConfirmed(
  db: Database,
  listId: string,
  now: Date,
  kind: {
    table: 'audience_sync_state' | 'audience_merge_state';
    base: string;
    changes: string;
    outcomes: string;
    wanted: string;
    key: string;
    columns: string;
    present: string;
  },
): Promise<void> {
  const previous = await stateSource(db, kind.table);
  await db.writeSelect(
    `state/${kind.table}`,
    `with
     ok as (select subscriber_hash from ${kind.outcomes} where status_code < 300),
     gone as (select subscriber_hash from ${kind.outcomes} where status_code = 404),
     sent as (select * from ${kind.changes} semi join ok using (subscriber_hash)),
     kept as (
       select subscriber_hash, ${kind.columns} from ${kind.base}
       anti join sent using (subscriber_hash, ${kind.key})
       anti join gone using (subscriber_hash)
     ),
     confirmed as (
       select * from kept
       union
       select subscriber_hash, ${kind.columns} from sent where ${kind.present}
     )
     select * from (${previous}) where list_id <> $list_id
     union all
     select $list_id, c.*, any_value(w.customer_id), $now::timestamptz
     from confirmed as c left join ${kind.wanted} as w using (subscriber_hash, ${kind.key})
     group by all
     order by 1, 2, 3`,
    { list_id: listId, now: now.toISOString() },
  );
}

async function recordSyncRun(db: Database, result: SyncResult, options: SyncOptions): Promise<void> {
  await db.run(
    `create or replace temp table sync_run_rows (audience varchar, planned_adds bigint, planned_removes bigint,
       sent bigint, failed bigint, skipped varchar)`,
  );
  await db.appendRows(
    'sync_run_rows',
    result.audiences.map((a) => [
      a.audience,
      String(a.adds),
      String(a.removes),
      String(a.sent),
      String(a.failed),
      JSON.stringify(a.skipped),
    ]),
  );
  await appendState(
    db,
    'sync_runs',
    options.syncId,
    `select $sync_id as sync_id, audience, $started_at::timestamptz as started_at, $seconds::double as seconds,
            $mode as mode, case when failed > 0 then 'failed' else 'ok' end as status,
            planned_adds, planned_removes, sent, failed, skipped::json as skipped,
            $api_calls::bigint as api_calls, $failures::json as failures
     from sync_run_rows order by audience`,
    {
      sync_id: options.syncId,
      started_at: options.now.toISOString(),
      seconds: result.seconds,
      mode: `${result.mode}${options.reconcile ? ' (reconcile)' : ''}`,
      api_calls: result.apiCalls,
      failures: JSON.stringify(result.failures.slice(0, 100)),
    },
  );
}
