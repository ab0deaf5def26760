import Anthropic from '@anthropic-ai/sdk';
import type { z } from 'zod';
import type { AnthropicSettings } from '../config.ts';
import { toolInputSchema } from './analysis-schema.ts';

/** US dollars per million tokens (input, output), by model family; Anthropic's list prices. */
const PRICES: [prefix: string, input: number, output: number][] = [
  ['claude-haiku-4', 1, 5],
  ['claude-3-5-haiku', 0.8, 4],
  ['claude-3-haiku', 0.25, 1.25],
  ['claude-sonnet-4', 3, 15],
  ['claude-3-7-sonnet', 3, 15],
  ['claude-opus-4-5', 5, 25],
  ['claude-opus-4', 15, 75],
];

/** The cost of a call, or null for a model without a known price. */
export function costUsd(model: string, inputTokens: number, outputTokens: number): number | null {
  const price = PRICES.find(([prefix]) => model.startsWith(prefix));
  if (!price) return null;
  return (inputTokens * price[1] + outputTokens * price[2]) / 1_000_000;
}

export interface Usage {
  model: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
}

export type ToolAnswer<T> =
  | { ok: true; value: T; usage: Usage }
  | { ok: false; error: string; usage?: Usage; authFailure?: true };

export interface ClaudeClient {
  readonly model: string;
  /**
   * One Messages call that must answer through the tool `name`, whose input is validated by
   * `schema`. Any failure (HTTP error, no tool call, an answer the schema rejects) comes back as
   * `{ ok: false }`, never as an answer.
   */
  answerWithTool<T>(args: {
    name: string;
    description: string;
    schema: z.ZodType<T>;
    system: string;
    content: Anthropic.ContentBlockParam[];
    maxTokens: number;
  }): Promise<ToolAnswer<T>>;
}

export function claudeClient(
  settings: AnthropicSettings,
  options: { maxRetries?: number } = {},
): ClaudeClient {
  const client = new Anthropic({
    apiKey: settings.apiKey,
    ...(settings.baseUrl ? { baseURL: settings.baseUrl } : {}),
    maxRetries: options.maxRetries ?? 2,
    timeout: 60_000,
  });
  const model = settings.model;
  return {
    model,
    async answerWithTool({ name, description, schema, system, content, maxTokens }) {
      let message: Anthropic.Message;
      try {
        message = await client.messages.create({
          model,
          max_tokens: maxTokens,
          system,
          tools: [{ name, description, input_schema: toolInputSchema(schema), strict: true }],
          tool_choice: { type: 'tool', name },
          messages: [{ role: 'user', content }],
        });
      } catch (error) {
        const authFailure =
          error instanceof Anthropic.AuthenticationError || error instanceof Anthropic.PermissionDeniedError;
        return {
          ok: false,
          error: describeError(error),
          ...(authFailure ? { authFailure: true as const } : {}),
        };
      }
      const usage: Usage = {
        model,
        inputTokens: message.usage.input_tokens,
        outputTokens: message.usage.output_tokens,
        costUsd: costUsd(model, message.usage.input_tokens, message.usage.output_tokens),
      };
      const call = message.content.find(
        (block): block is Anthropic.ToolUseBlock => block.type === 'tool_use' && block.name === name,
      );
      if (!call)
        return { ok: false, error: `no ${name} tool call (stop reason ${message.stop_reason})`, usage };
      const parsed = schema.safeParse(call.input);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return { ok: false, error: `invalid answer: ${issue?.path.join('.')}: ${issue?.message}`, usage };
      }
      return { ok: true, value: parsed.data, usage };
    },
  };
}

function describeError(error: unknown): string {
  if (error instanceof Anthropic.APIError)
    return `Anthropic API ${error.status ?? 'error'}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
