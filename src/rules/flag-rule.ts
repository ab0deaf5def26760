import { z } from 'zod';
import { loadModelGraph, openRunner } from '../pipeline/model-graph.ts';
import type { Database, Row, SqlParams } from '../sql/database.ts';

export const PRIORITIES = ['high', 'medium', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** A rule's tunable thresholds: named like the `$parameters` of its SQL, each with a default. */
export type RuleParameters = z.ZodObject;
export type ParameterValues = Record<string, number | boolean>;

export interface FlagRuleDefinition<P extends RuleParameters = RuleParameters> {
  /** The flag type it sets, and the name of its check, the query model `queries/rules/<name>.sql`. */
  name: string;
  description: string;
  priority: Priority;
  /** Days after a flag is set during which the same customer is not flagged again by this rule. */
  cooldownDays: number;
  parameters: P;
}

/** The columns every check returns, one row per customer the rule holds for at `$as_of`. */
export const HIT_COLUMNS = ['customer_id', 'flag_date', 'flag_details'] as const;

/**
 * A business rule: metadata and validated thresholds in TypeScript, the check itself in SQL over the
 * core tables. The check reads `$as_of` (a date) and must ignore everything after it, so any rule can
 * be evaluated at any past date.
 */
export class FlagRule<P extends RuleParameters = RuleParameters> {
  readonly name: string;
  readonly description: string;
  readonly priority: Priority;
  readonly cooldownDays: number;
  readonly parameters: P;

  constructor(definition: FlagRuleDefinition<P>) {
    if (!/^[a-z0-9_]+$/.test(definition.name))
      throw new Error(`rule name "${definition.name}" must be lower snake case`);
    this.name = definition.name;
    this.description = definition.description;
    this.priority = definition.priority;
    this.cooldownDays = definition.cooldownDays;
    this.parameters = definition.parameters;
  }

  get queryName(): string {
    return `rules/${this.name}`;
  }

  /** Validated thresholds: the defaults overlaid with `overrides` (unknown names are refused). */
  parse(overrides: unknown = {}): ParameterValues {
    return this.parameters.strict().parse(overrides) as ParameterValues;
  }

  /** The check's SQL and the parameters it takes, after checking they are exactly `$as_of` and the thresholds. */
  async query(asOf: string, values: ParameterValues): Promise<{ sql: string; params: SqlParams }> {
    const model = (await loadModelGraph()).model(this.queryName);
    if (model?.kind !== 'sql')
      throw new Error(`rule ${this.name} has no check: no queries/${this.queryName}.sql`);
    const { file, parameters: used, sql } = model;
    const declared = ['as_of', ...Object.keys(this.parameters.shape)];
    const undeclared = used.filter((p) => !declared.includes(p));
    const unused = declared.filter((p) => !used.includes(p));
    if (undeclared.length > 0 || unused.length > 0) {
      throw new Error(
        `${file}: parameters must be $as_of and the rule's thresholds` +
          (undeclared.length > 0 ? `; not declared: $${undeclared.join(', $')}` : '') +
          (unused.length > 0 ? `; not used: $${unused.join(', $')}` : ''),
      );
    }
    return { sql, params: { as_of: asOf, ...values } };
  }

  /** The check ready to run on `db`: what it reads made readable first (see `ModelRunner.compile`). */
  async compile(
    db: Database,
    asOf: string,
    values: ParameterValues,
  ): Promise<{ sql: string; params: SqlParams }> {
    const { params } = await this.query(asOf, values);
    return (await openRunner(db)).compile(this.queryName, params);
  }

  /** The customers the rule holds for at `asOf` (YYYY-MM-DD), ordered by customer. */
  async check(db: Database, asOf: string, overrides: unknown = {}): Promise<Row[]> {
    const { sql, params } = await this.compile(db, asOf, this.parse(overrides));
    return db.query(`select * from (${sql}) order by customer_id`, params);
  }
}

export function defineRule<P extends RuleParameters>(definition: FlagRuleDefinition<P>): FlagRule<P> {
  return new FlagRule(definition);
}

/** A whole-day count threshold, at least `min`. */
export function days(defaultValue: number, min = 1) {
  return z.number().int().min(min).default(defaultValue);
}
