/**
 * Compares an emulator's answer with a fixture built from the API reference's example, by shape: the
 * JSON type of every field both carry must agree (null stands for "absent here", so it matches any
 * type), recursively, array items against the fixture's items. With `strictKeys`, the emulator may
 * not send a field the reference does not show, which is how an invented or misspelt field is caught
 * for the APIs whose SDKs carry no types (Mailchimp, Capitan, Graph).
 */
export function shapeDifferences(
  actual: unknown,
  reference: unknown,
  options: { strictKeys: boolean },
  path = '$',
): string[] {
  if (actual === null || reference === null || actual === undefined || reference === undefined) return [];
  const kind = (value: unknown) => (Array.isArray(value) ? 'array' : typeof value);
  if (kind(actual) !== kind(reference))
    return [`${path}: ${kind(actual)} where the reference has ${kind(reference)}`];
  if (Array.isArray(actual)) {
    const items = reference as unknown[];
    if (items.length === 0) return [];
    return actual.flatMap((item, i) => {
      // An item matches when it has the shape of any of the reference's items.
      const tries = items.map((example) => shapeDifferences(item, example, options, `${path}[${i}]`));
      return tries.some((t) => t.length === 0) ? [] : tries.reduce((a, b) => (b.length < a.length ? b : a));
    });
  }
  if (typeof actual !== 'object') return [];
  const expected = reference as Record<string, unknown>;
  return Object.entries(actual as Record<string, unknown>).flatMap(([key, value]) => {
    if (!(key in expected)) return options.strictKeys ? [`${path}.${key}: not in the reference`] : [];
    return shapeDifferences(value, expected[key], options, `${path}.${key}`);
  });
}
