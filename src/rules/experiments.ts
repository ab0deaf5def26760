import { createHash } from 'node:crypto';

export type AbGroup = 'A' | 'B';

/**
 * The group of a household in an experiment: the last bit of sha256("<experiment>:<household>"), so
 * the split is even and every member of a household lands in the same group. (The first version took
 * an md5 hex digit mod 10, which sent 10 of 16 digits to A: a 62.5/37.5 split.)
 */
export function abGroup(experimentId: string, householdId: string): AbGroup {
  const hex = createHash('sha256').update(`${experimentId}:${householdId}`).digest('hex');
  return (Number.parseInt(hex.at(-1)!, 16) & 1) === 0 ? 'A' : 'B';
}

/** `abGroup` in SQL, over two text expressions; the two always agree (tested). */
export function abGroupSql(experimentIdSql: string, householdIdSql: string): string {
  return `case when contains('02468ace', right(sha256(${experimentIdSql} || ':' || ${householdIdSql}), 1)) then 'A' else 'B' end`;
}
