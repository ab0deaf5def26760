import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CliError, ExitCode, isEnoent } from '../errors.ts';
import type { FlagRule, ParameterValues } from './flag-rule.ts';

export const DEFAULT_RULES_CONFIG = fileURLToPath(new URL('../../config/rules.json', import.meta.url));

const ruleSettingsSchema = z
  .object({
    enabled: z.boolean().default(true),
    cooldown_days: z.number().int().min(0).optional(),
    parameters: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

const experimentSchema = z
  .object({
    description: z.string().optional(),
    /** The rules whose flags enter the experiment; each flag carries its customer's group. */
    rules: z.array(z.string()).min(1),
    /** The share of each rule's flagged households held out: never contacted, the conversion baseline. */
    holdout_share: z.number().min(0).max(0.5).default(0),
  })
  .strict();

export const rulesFileSchema = z
  .object({
    rules: z.record(z.string(), ruleSettingsSchema).default({}),
    experiments: z.record(z.string().regex(/^[a-z0-9_]+$/, 'lower snake case'), experimentSchema).default({}),
  })
  .strict();
export type RulesFile = z.input<typeof rulesFileSchema>;

/** One rule as a run uses it: its thresholds validated, its cooldown and experiment settled. */
export interface RuleSettings {
  rule: FlagRule;
  enabled: boolean;
  cooldownDays: number;
  parameters: ParameterValues;
  experimentId: string | null;
}

export interface RulesConfig {
  rules: RuleSettings[];
  /** Each experiment's holdout share (0 when it has none). */
  holdoutShares: Record<string, number>;
}

/** Reads and validates a rules file; a missing default file means every rule with its defaults. */
export async function loadRulesConfig(
  rules: FlagRule[],
  file: string = DEFAULT_RULES_CONFIG,
): Promise<RulesConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isEnoent(error) && file === DEFAULT_RULES_CONFIG) return resolveRulesConfig(rules, {});
    throw new CliError(`rules config ${file}: ${(error as Error).message}`, ExitCode.usage);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new CliError(`rules config ${file}: not JSON (${(error as Error).message})`, ExitCode.usage);
  }
  return resolveRulesConfig(rules, raw, file);
}

/** Validates a rules file's content against the discovered rules; every problem is reported at once. */
export function resolveRulesConfig(rules: FlagRule[], raw: unknown, label = 'rules config'): RulesConfig {
  const parsed = rulesFileSchema.safeParse(raw);
  if (!parsed.success)
    throw invalid(
      label,
      parsed.error.issues.map((i) => describeIssue('', i)),
    );
  const file = parsed.data;
  const problems: string[] = [];
  const names = new Set(rules.map((r) => r.name));
  for (const name of Object.keys(file.rules))
    if (!names.has(name)) problems.push(`rules.${name}: no such rule (known: ${[...names].join(', ')})`);

  const experimentOf = new Map<string, string>();
  for (const [id, experiment] of Object.entries(file.experiments)) {
    for (const name of experiment.rules) {
      if (!names.has(name)) problems.push(`experiments.${id}.rules: no such rule "${name}"`);
      else if (experimentOf.has(name))
        problems.push(`experiments.${id}.rules: "${name}" is already in ${experimentOf.get(name)}`);
      else experimentOf.set(name, id);
    }
  }

  const settings: RuleSettings[] = [];
  for (const rule of rules) {
    const entry = file.rules[rule.name];
    const parameters = rule.parameters.strict().safeParse(entry?.parameters ?? {});
    if (!parameters.success) {
      for (const issue of parameters.error.issues)
        problems.push(describeIssue(`rules.${rule.name}.parameters`, issue));
      continue;
    }
    settings.push({
      rule,
      enabled: entry?.enabled ?? true,
      cooldownDays: entry?.cooldown_days ?? rule.cooldownDays,
      parameters: parameters.data as ParameterValues,
      experimentId: experimentOf.get(rule.name) ?? null,
    });
  }
  if (problems.length > 0) throw invalid(label, problems);
  const holdoutShares = Object.fromEntries(
    Object.entries(file.experiments).map(([id, experiment]) => [id, experiment.holdout_share]),
  );
  return { rules: settings, holdoutShares };
}

function describeIssue(prefix: string, issue: z.core.$ZodIssue): string {
  const where = issue.path.reduce<string>(
    (path, p) => (typeof p === 'number' ? `${path}[${p}]` : path ? `${path}.${String(p)}` : String(p)),
    prefix,
  );
  const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
  return `${where || '(top level)'}: ${issue.message}${keys}`;
}

function invalid(label: string, problems: string[]): CliError {
  return new CliError(`${label} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`, ExitCode.usage);
}
