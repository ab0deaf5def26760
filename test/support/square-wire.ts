import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

interface WireSchema {
  parse(
    raw: unknown,
  ): { ok: true; value: unknown } | { ok: false; errors: { path: string[]; message: string }[] };
  json(
    parsed: unknown,
  ): { ok: true; value: unknown } | { ok: false; errors: { path: string[]; message: string }[] };
}

/**
 * The official SDK's own (de)serialisation schemas for Square's wire format. The package exports only
 * its camelCase client, so they load by file path from the installed package.
 */
const serializers = require(
  path.join(path.dirname(require.resolve('square')), 'serialization', 'index.js'),
) as Record<string, WireSchema>;

/**
 * A response body read by the SDK as strictly as it can (an unknown field or a wrong type fails) and
 * written back to the wire: what comes back must equal what went in, or the SDK lost something.
 */
export function throughSquareSdk(type: string, body: unknown): { errors: string[]; roundTrip: unknown } {
  const schema = serializers[type];
  if (!schema) throw new Error(`the square SDK has no serialiser ${type}`);
  const parsed = schema.parse(body);
  if (!parsed.ok)
    return { errors: parsed.errors.map((e) => `${e.path.join('.')}: ${e.message}`), roundTrip: undefined };
  const written = schema.json(parsed.value);
  if (!written.ok)
    return { errors: written.errors.map((e) => `${e.path.join('.')}: ${e.message}`), roundTrip: undefined };
  return { errors: [], roundTrip: plain(written.value) };
}

/** The SDK holds amounts as bigints; JSON carries numbers. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? Number(v) : v)));
}
