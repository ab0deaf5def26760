import { defineStream, type SourceDefinition, type StreamContext } from '../../fetch/source.ts';
import { CapitanClient, type QueryParams } from './client.ts';
import type { CapitanSettings } from './config.ts';
import { relationPages } from './relations.ts';
import {
  associationMemberSchema,
  associationSchema,
  checkinSchema,
  customerMembershipSchema,
  customerSchema,
  eventSchema,
  storedRelationSchema,
} from './schemas.ts';

/** The gym-local calendar date of an instant, `YYYY-MM-DD`: Capitan filters on local wall-clock time. */
function localDate(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(instant);
}

/** Check-ins from the gym-local day the window starts, newest first, or all of them on a first run. */
function checkinParams(context: StreamContext): QueryParams {
  const params: QueryParams = { ordering: '-check_in_datetime' };
  const since = context.window.since;
  if (since) params.check_in_datetime__gte = localDate(since, context.timeZone);
  return params;
}

const byId = (record: { id: number }) => String(record.id);

const capitan: SourceDefinition<CapitanSettings> = {
  name: 'capitan',
  settings: (config) => config.sources.capitan,
  streams: (settings) => {
    const client = new CapitanClient(settings);
    return [
      defineStream({
        name: 'customers',
        schema: customerSchema,
        recordId: byId,
        window: { kind: 'full' },
        pages: (context) => client.pages('customers/', {}, context.retry),
      }),
      defineStream({
        name: 'customer_memberships',
        after: [],
        schema: customerMembershipSchema,
        recordId: byId,
        window: { kind: 'full' },
        pages: (context) => client.pages('customer-memberships/', {}, context.retry),
      }),
      defineStream({
        name: 'checkins',
        after: [],
        schema: checkinSchema,
        recordId: byId,
        window: { kind: 'recent', days: 7 },
        pages: (context) => client.pages('check-ins/', checkinParams(context), context.retry),
      }),
      defineStream({
        name: 'associations',
        after: [],
        schema: associationSchema,
        recordId: byId,
        window: { kind: 'full' },
        pages: (context) => client.pages('associations/', {}, context.retry),
      }),
      defineStream({
        name: 'association_members',
        after: [],
        schema: associationMemberSchema,
        recordId: byId,
        window: { kind: 'full' },
        pages: (context) => client.pages('association-members/', {}, context.retry),
      }),
      defineStream({
        name: 'events',
        after: [],
        schema: eventSchema,
        recordId: byId,
        window: { kind: 'full' },
        pages: (context) => client.pages('events/', {}, context.retry),
      }),
      defineStream({
        name: 'relations',
        schema: storedRelationSchema,
        recordId: (r) => `${r.customer_id}:${r.related_customer_id}:${r.relation}`,
        window: { kind: 'full' },
        // A transformer of `customers`: each page's customers are read as it arrives.
        dataFrom: 'customers',
        pages: (context, customerPages) => relationPages(client, context, customerPages),
      }),
    ];
  },
};

export default capitan;
