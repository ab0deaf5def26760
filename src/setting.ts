import { z } from 'zod';

/**
 * One setting basin-cdp reads. Sources declare theirs in their own folder (`src/sources/<name>/config.ts`);
 * `settings.ts` gathers them with the general ones, `config.ts` validates them, `.env.example` and the
 * README document them, and a test keeps the three in step.
 */
export interface Setting {
  name: string;
  /** The section it is listed under: `general`, `lake`, a source's name, `meta`, `anthropic`, `offers`. */
  group: string;
  description: string;
  /** Shown in `.env.example`; secrets get a placeholder. */
  example: string;
  secret: boolean;
  default?: string;
  schema: z.ZodType<string>;
}

export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
export const nonEmpty = z.string().min(1, 'must not be empty');

export function setting(
  group: string,
  name: string,
  description: string,
  schema: z.ZodType<string>,
  extra: Partial<Pick<Setting, 'example' | 'secret' | 'default'>> = {},
): Setting {
  return {
    group,
    name,
    description,
    schema,
    secret: extra.secret ?? false,
    example: extra.example ?? extra.default ?? '',
    ...(extra.default === undefined ? {} : { default: extra.default }),
  };
}

/** A setting's validated value, or undefined when it is unset and has no default. */
export type SettingValue = (name: string) => string | undefined;

/**
 * What a source declares about its configuration: its settings, the ones whose presence switches it
 * on (all must then be set), and how the validated values become the settings its streams receive.
 */
export interface SourceConfigDeclaration<N extends string = string, S = unknown> {
  name: N;
  settings: readonly Setting[];
  required: readonly string[];
  build(get: SettingValue): S;
}

export function declareSourceConfig<const N extends string, S>(
  declaration: SourceConfigDeclaration<N, S>,
): SourceConfigDeclaration<N, S> {
  return declaration;
}
