import { z } from 'zod';
import { stateSource } from '../rules/state-tables.ts';
import { parseWith } from '../sources/mailchimp/client.ts';
import type { Database } from '../sql/database.ts';
import type { Audience, MergeFields } from './compute.ts';
import type { Call } from './sync.ts';

/** One merge field of a list, as `GET /lists/{list_id}/merge-fields` lists it and `POST` answers. */
export const mergeFieldSchema = z.looseObject({ merge_id: z.number(), tag: z.string(), type: z.string() });
const mergeFieldsPageSchema = z.looseObject({
  merge_fields: z.array(mergeFieldSchema),
  total_items: z.number(),
});

/** Every merge field the syncing audiences declare: tag → its type; two audiences may share a tag of one type. */
export function declaredMergeFields(audiences: Audience[]): Map<string, MergeFields[string]['type']> {
  const declared = new Map<string, { type: MergeFields[string]['type']; file: string }>();
  for (const audience of audiences)
    for (const [tag, field] of Object.entries(audience.mergeFields)) {
      const other = declared.get(tag);
      if (other && other.type !== field.type)
        throw new Error(
          `${audience.file} declares the merge field ${tag} as ${field.type}; ${other.file} as ${other.type}`,
        );
      declared.set(tag, { type: field.type, file: audience.file });
    }
  return new Map([...declared].map(([tag, d]) => [tag, d.type]));
}

/**
 * The merge-field diff, in SQL beside the tags' (`sync_wanted` holds who is sent): the value each
 * reachable member should hold for each declared merge tag, from the traits of the audiences declaring
 * it (`merge_wanted`; the alphabetically first audience wins a tag two of them fill), the base it is
 * compared with (`state/audience_merge_state`, or with `reconcile` the values Mailchimp holds now,
 * from `list_members.merge_fields`), and the changes (`merge_changes`): a new or changed value, or ''
 * to clear a value of a member who left every audience filling it.
 */
export async function planMergeDiff(
  db: Database,
  listId: string,
  audiences: Audience[],
  reconcile: boolean,
): Promise<void> {
  await db.run(
    'create or replace temp table merge_declarations (audience varchar, merge_tag varchar, trait varchar, type varchar)',
  );
  await db.appendRows(
    'merge_declarations',
    audiences.flatMap((a) =>
      Object.entries(a.mergeFields).map(([tag, field]) => [a.name, tag, field.trait, field.type]),
    ),
  );
  await db.run(
    `create or replace temp table merge_wanted as
     select w.subscriber_hash, d.merge_tag, any_value(d.type) as type,
            arg_min(json_extract_string(m.traits, '$."' || d.trait || '"'), w.audience) as value,
            arg_min(w.customer_id, w.audience) as customer_id
     from sync_wanted as w
     inner join merge_declarations as d using (audience)
     inner join audience_members as m using (audience, customer_id)
     where w.skip_reason is null and json_extract_string(m.traits, '$."' || d.trait || '"') is not null
     group by w.subscriber_hash, d.merge_tag`,
  );
  await db.run(
    `create or replace temp table merge_base as
     ${
       reconcile
         ? `select l.subscriber_hash, t.merge_tag, json_extract_string(l.merge_fields, '$."' || t.merge_tag || '"') as value
            from list_members as l, (select distinct merge_tag from merge_declarations) as t
            where coalesce(json_extract_string(l.merge_fields, '$."' || t.merge_tag || '"'), '') <> ''`
         : `select subscriber_hash, merge_tag, value from (${await stateSource(db, 'audience_merge_state')})
            where list_id = $list_id`
     }`,
    reconcile ? {} : { list_id: listId },
  );
  await db.run(
    `create or replace temp table merge_changes as
     select w.subscriber_hash, w.merge_tag, w.type, w.value
     from merge_wanted as w anti join merge_base as b using (subscriber_hash, merge_tag, value)
     union all
     select b.subscriber_hash, b.merge_tag, d.type, ''
     from merge_base as b
     inner join (select distinct merge_tag, type from merge_declarations) as d using (merge_tag)
     anti join merge_wanted as w using (subscriber_hash, merge_tag)`,
  );
}

/** Each member's changed merge values as the body of `PATCH /lists/{list_id}/members/{hash}`. */
export async function mergeUpdates(
  db: Database,
): Promise<{ subscriber_hash: string; merge_fields: Record<string, string | number> }[]> {
  const rows = await db.query(
    `select subscriber_hash, list({'tag': merge_tag, 'type': type, 'value': value} order by merge_tag) as fields
     from merge_changes group by subscriber_hash order by subscriber_hash`,
  );
  return rows.map((row) => ({
    subscriber_hash: String(row.subscriber_hash),
    merge_fields: Object.fromEntries(
      (row.fields as { tag: string; type: string; value: string }[]).map((f) => [
        f.tag,
        f.type === 'number' && f.value !== '' ? Number(f.value) : f.value,
      ]),
    ),
  }));
}

/**
 * Creates each declared merge field the list lacks, once, with its type (`POST
 * /lists/{list_id}/merge-fields`, named after its tag). A field the list holds with another type is
 * not changed: its tag is returned with the reason, and no value is sent to it.
 */
export async function ensureMergeFields(
  listId: string,
  declared: Map<string, string>,
  call: Call,
): Promise<{ created: string[]; unusable: Map<string, string> }> {
  const page = await call(
    'Mailchimp merge fields',
    (client) =>
      client.lists.getListMergeFields(listId, {
        count: 1000,
        fields: ['merge_fields.merge_id', 'merge_fields.tag', 'merge_fields.type', 'total_items'],
      }),
    parseWith(mergeFieldsPageSchema, 'Mailchimp merge fields'),
  );
  const existing = new Map(page.merge_fields.map((f) => [f.tag, f.type]));
  const created: string[] = [];
  const unusable = new Map<string, string>();
  for (const [tag, type] of declared) {
    const found = existing.get(tag);
    if (found === undefined) {
      await call(
        `Mailchimp merge field ${tag}`,
        (client) => client.lists.addListMergeField(listId, { tag, name: tag, type }),
        parseWith(mergeFieldSchema, 'Mailchimp merge field'),
      );
      created.push(tag);
    } else if (found !== type)
      unusable.set(tag, `the list's merge field ${tag} is ${found}, the audience declares ${type}`);
  }
  return { created, unusable };
}
