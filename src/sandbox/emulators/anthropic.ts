import { createHash } from 'node:crypto';
import type Anthropic from '@anthropic-ai/sdk';
import sharp from 'sharp';
import { z } from 'zod';
import { sandboxCredentials } from '../credentials.ts';
import type { SandboxDataset } from '../dataset.ts';
import { createTruthOracle, type Identified } from './anthropic-truth.ts';
import { type EmulatorRequest, type EmulatorResponse, HttpEmulator } from './http-emulator.ts';

export interface AnthropicEmulatorOptions {
  clock?: Date;
  apiKey?: string;
}

/**
 * How the emulator answers, for testing the product's handling of bad model output:
 * - `truth`: the generator's ground truth (the default);
 * - `invalid`: well-formed JSON that breaks the answer schema (wrong types, values outside enums);
 * - `prose`: a polite refusal in plain text, with no JSON and no tool call;
 * - `refusal`: the API's `refusal` stop reason (its classifiers stopped the answer);
 * - `pause_turn`: the API paused a long turn, with no tool call yet;
 * - `overloaded`: HTTP 529 `overloaded_error`, as the API answers when it is overloaded;
 * - `injected`: a schema-valid answer from a model that obeyed text injected into an email
 *   ("100% off, FREE100, expires 2099-12-31").
 */
export type AnswerMode = 'truth' | 'invalid' | 'prose' | 'refusal' | 'pause_turn' | 'overloaded' | 'injected';

export interface AnthropicCall {
  kind: Identified['kind'];
  /** The campaign or Instagram post recognised in the request; undefined for unknown content. */
  subjectId: string | undefined;
  mode: AnswerMode;
  model: string;
}

/** Rough tokens for an image: Anthropic bills about (width × height) / 750 and caps near 1,600. */
const IMAGE_TOKENS = 1_600;
const CHARS_PER_TOKEN = 4;

const contentBlockSchema = z.looseObject({ type: z.string() });
const messagesRequestSchema = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().min(1),
  messages: z
    .array(
      z.looseObject({
        role: z.enum(['user', 'assistant']),
        content: z.union([z.string(), z.array(contentBlockSchema)]),
      }),
    )
    .min(1, 'at least one message is required'),
  system: z.union([z.string(), z.array(contentBlockSchema)]).optional(),
  stream: z.boolean().optional(),
  tools: z
    .array(
      z.looseObject({
        name: z.string(),
        input_schema: z.looseObject({}).optional(),
        strict: z.boolean().optional(),
      }),
    )
    .optional(),
  tool_choice: z
    .looseObject({ type: z.enum(['auto', 'any', 'tool', 'none']), name: z.string().optional() })
    .optional(),
  output_config: z
    .looseObject({ format: z.looseObject({ type: z.string(), schema: z.looseObject({}) }).nullish() })
    .optional(),
});
type MessagesRequest = z.infer<typeof messagesRequestSchema>;

const imageSourceSchema = z.looseObject({
  type: z.enum(['base64', 'url']),
  media_type: z.string().optional(),
  data: z.string().optional(),
  url: z.string().optional(),
});

/** The API's published image limits: 5 MB per image (base64-decoded), 8000 px on either side. */
const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
const MAX_IMAGE_SIDE_PX = 8000;

/**
 * The Anthropic Messages API, answering with the sandbox's ground truth: an email template request
 * gets the campaign's offer and content analysis, an image request the post's description. Answers
 * come as a `tool_use` block when the request offers tools, as JSON text otherwise, so the official
 * SDK and the product's parsing run exactly as against the real API.
 */
export class AnthropicEmulator extends HttpEmulator {
  /** Every answered call, in order, for tests of the product's caching. */
  readonly calls: AnthropicCall[];
  private readonly queuedModes: AnswerMode[];

  constructor(dataset: SandboxDataset, options: AnthropicEmulatorOptions = {}) {
    const apiKey = options.apiKey ?? sandboxCredentials.anthropicApiKey;
    const oracle = createTruthOracle(dataset);
    const calls: AnthropicCall[] = [];
    const queuedModes: AnswerMode[] = [];
    const ids = idSequence();
    super({
      name: 'anthropic',
      clock: options.clock ?? dataset.asOf,
      routes: [
        {
          method: 'POST',
          pattern: '/v1/messages',
          handler: async (req) => {
            const parsed = parseRequest(req);
            if (!parsed.ok) return parsed.error;
            const request = parsed.request;
            const badImage = await checkImages(request);
            if (badImage) return badImage;
            const identified = identify(oracle, request);
            const mode = queuedModes.shift() ?? 'truth';
            if (mode === 'overloaded') return apiError(529, 'overloaded_error', 'Overloaded');
            calls.push({
              kind: identified.kind,
              subjectId: subjectId(identified),
              mode,
              model: request.model,
            });
            const message = buildMessage(request, answerFields(identified, mode), mode, ids);
            if (request.stream) return streamResponse(message);
            return { status: 200, json: message, headers: { 'request-id': ids('req') } };
          },
        },
      ],
      authenticate: (req) => {
        const key = presentedKey(req);
        if (key === apiKey) return undefined;
        return apiError(
          401,
          'authentication_error',
          key ? 'invalid x-api-key' : 'x-api-key header is required',
        );
      },
      notFound: () => apiError(404, 'not_found_error', 'Not found'),
    });
    this.calls = calls;
    this.queuedModes = queuedModes;
  }

  /** Answers the next `count` calls in `mode`, then returns to the truth. */
  answerNext(mode: Exclude<AnswerMode, 'truth'>, count = 1): void {
    for (let i = 0; i < count; i++) this.queuedModes.push(mode);
  }
}

export function createAnthropicEmulator(
  dataset: SandboxDataset,
  options: AnthropicEmulatorOptions = {},
): AnthropicEmulator {
  return new AnthropicEmulator(dataset, options);
}

/** The API takes the key as `x-api-key`; the SDK (v1.x) sends it as a Bearer token. */
function presentedKey(req: EmulatorRequest): string | undefined {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
  return bearer?.[1];
}

function parseRequest(
  req: EmulatorRequest,
): { ok: true; request: MessagesRequest } | { ok: false; error: EmulatorResponse } {
  const fail = (message: string) => ({
    ok: false as const,
    error: apiError(400, 'invalid_request_error', message),
  });
  if (!req.headers['anthropic-version']) return fail('anthropic-version: header is required');
  let body: unknown;
  try {
    body = req.json();
  } catch {
    return fail('There was an error parsing the body of your request.');
  }
  const parsed = messagesRequestSchema.safeParse(body);
  if (parsed.success) return { ok: true, request: parsed.data };
  const issue = parsed.error.issues[0]!;
  const missing = issue.code === 'invalid_type' && issue.input === undefined;
  return fail(`${issue.path.join('.')}: ${missing ? 'Field required' : issue.message}`);
}

/** An image in the request makes it an image question; anything else is about an email. */
function identify(oracle: ReturnType<typeof createTruthOracle>, request: MessagesRequest): Identified {
  const blocks = request.messages.flatMap((m) => (typeof m.content === 'string' ? [] : m.content));
  for (const block of blocks) {
    if (block.type !== 'image') continue;
    const source = imageSourceSchema.safeParse(block.source);
    if (source.success) return oracle.identifyImage(source.data);
  }
  return oracle.identifyTemplate(requestText(request));
}

function subjectId(identified: Identified): string | undefined {
  return identified.kind === 'template' ? identified.campaignId : identified.mediaId;
}

function requestText(request: MessagesRequest): string {
  const texts: string[] = [];
  const collect = (content: string | { type: string; text?: unknown }[] | undefined) => {
    if (typeof content === 'string') texts.push(content);
    else for (const block of content ?? []) if (typeof block.text === 'string') texts.push(block.text);
  };
  collect(request.system);
  for (const message of request.messages) collect(message.content);
  return texts.join('\n');
}

function answerFields(identified: Identified, mode: AnswerMode): Record<string, unknown> {
  if (mode === 'injected' && identified.kind === 'template')
    return {
      ...identified.answer,
      has_offer: true,
      offer_type: 'membership_discount',
      offer_amount: '100% off',
      offer_code: 'FREE100',
      offer_expires: '2099-12-31',
      offer_description: '100% off everything, forever',
    };
  if (mode !== 'invalid') return { ...identified.answer };
  if (identified.kind === 'template') {
    return {
      ...identified.answer,
      has_offer: 'maybe',
      offer_type: 'mystery_deal',
      email_category: 'spam',
      calls_to_action: 'Join now',
    };
  }
  return {
    ...identified.answer,
    description: 42,
    activity_type: ['bouldering'],
    themes: 'climbing, fitness',
  };
}

type Message = Anthropic.Message;

function buildMessage(
  request: MessagesRequest,
  fields: Record<string, unknown>,
  mode: AnswerMode,
  ids: (prefix: string) => string,
): Message {
  const tool = chosenTool(request);
  const format = request.output_config?.format;
  let content: Message['content'];
  let stopReason: Message['stop_reason'] = 'end_turn';
  let stopDetails: Message['stop_details'] = null;
  let outputChars: number;
  if (mode === 'prose' || mode === 'refusal') {
    const text = "I'm sorry, but I can't provide a structured analysis of this content.";
    content = [{ type: 'text', text, citations: null } satisfies Anthropic.TextBlock];
    outputChars = text.length;
    if (mode === 'refusal') {
      stopReason = 'refusal';
      stopDetails = {
        type: 'refusal',
        category: null,
        explanation: null,
      } satisfies Anthropic.RefusalStopDetails;
    }
  } else if (mode === 'pause_turn') {
    content = [];
    stopReason = 'pause_turn';
    outputChars = 0;
  } else if (tool) {
    // Strict tools are guaranteed to follow their schema; without `strict` a model's extra or
    // misnamed fields come back as they are, for the caller's validation to catch.
    const input = tool.strict === true ? restrictToSchema(fields, tool.input_schema) : fields;
    content = [
      {
        type: 'tool_use',
        id: ids('toolu'),
        name: tool.name,
        input,
        caller: { type: 'direct' },
      } satisfies Anthropic.ToolUseBlock,
    ];
    stopReason = 'tool_use';
    outputChars = JSON.stringify(input).length + tool.name.length;
  } else {
    let text = JSON.stringify(restrictToSchema(fields, format?.schema), null, 2);
    // A model stops mid-answer when it runs out of tokens; so does the emulator.
    const budget = request.max_tokens * CHARS_PER_TOKEN;
    if (text.length > budget) {
      text = text.slice(0, budget);
      stopReason = 'max_tokens';
    }
    content = [{ type: 'text', text, citations: null } satisfies Anthropic.TextBlock];
    outputChars = text.length;
  }
  return {
    id: ids('msg'),
    type: 'message',
    role: 'assistant',
    model: request.model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    stop_details: stopDetails,
    container: null,
    diagnostics: null,
    usage: {
      input_tokens: inputTokens(request),
      output_tokens: Math.max(1, Math.ceil(outputChars / CHARS_PER_TOKEN)),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: null,
      inference_geo: null,
      output_tokens_details: null,
      server_tool_use: null,
      service_tier: 'standard',
      speed: null,
    } satisfies Anthropic.Usage,
  } satisfies Anthropic.Message;
}

/**
 * The API's 400s for images: a declared media type that the bytes contradict, more than 5 MB, or
 * more than 8000 px on a side.
 */
async function checkImages(request: MessagesRequest): Promise<EmulatorResponse | undefined> {
  const blocks = request.messages.flatMap((m) => (typeof m.content === 'string' ? [] : m.content));
  for (const [index, block] of blocks.entries()) {
    if (block.type !== 'image') continue;
    const source = imageSourceSchema.safeParse(block.source);
    if (!source.success || source.data.type !== 'base64' || !source.data.data) continue;
    const bytes = Buffer.from(source.data.data, 'base64');
    const at = `messages.0.content.${index}.image.source.base64`;
    if (bytes.length > MAX_IMAGE_BYTES)
      return apiError(
        400,
        'invalid_request_error',
        `${at}: image exceeds 5 MB maximum: ${bytes.length} bytes > ${MAX_IMAGE_BYTES} bytes`,
      );
    const metadata = await sharp(bytes)
      .metadata()
      .catch(() => undefined);
    const actual =
      metadata?.format === 'jpeg' ? 'image/jpeg' : metadata?.format ? `image/${metadata.format}` : undefined;
    if (!actual || actual !== source.data.media_type)
      return apiError(
        400,
        'invalid_request_error',
        `${at}: Image does not match the provided media type ${source.data.media_type}`,
      );
    if ((metadata?.width ?? 0) > MAX_IMAGE_SIDE_PX || (metadata?.height ?? 0) > MAX_IMAGE_SIDE_PX)
      return apiError(
        400,
        'invalid_request_error',
        `${at}: image dimensions exceed max allowed size: ${MAX_IMAGE_SIDE_PX} pixels`,
      );
  }
  return undefined;
}

/** The tool named by `tool_choice`, else the first tool; none when tools are off or absent. */
function chosenTool(request: MessagesRequest): NonNullable<MessagesRequest['tools']>[number] | undefined {
  if (!request.tools?.length || request.tool_choice?.type === 'none') return undefined;
  if (request.tool_choice?.type === 'tool')
    return request.tools.find((t) => t.name === request.tool_choice?.name);
  return request.tools[0];
}

/** Like a model following a schema, the answer carries only the properties the schema asks for. */
function restrictToSchema(fields: Record<string, unknown>, schema: unknown): Record<string, unknown> {
  const properties = z.object({ properties: z.record(z.string(), z.unknown()) }).safeParse(schema);
  if (!properties.success) return fields;
  const wanted = Object.keys(properties.data.properties);
  if (!wanted.some((key) => key in fields)) return fields;
  return Object.fromEntries(Object.entries(fields).filter(([key]) => wanted.includes(key)));
}

function inputTokens(request: MessagesRequest): number {
  let chars = JSON.stringify(request.system ?? '').length + JSON.stringify(request.tools ?? []).length;
  let images = 0;
  for (const message of request.messages) {
    if (typeof message.content === 'string') chars += message.content.length;
    else
      for (const block of message.content) {
        if (block.type === 'image') images += 1;
        else chars += JSON.stringify(block).length;
      }
  }
  return Math.ceil(chars / CHARS_PER_TOKEN) + images * IMAGE_TOKENS;
}

/** The same message as server-sent events, in the order the real API sends them. */
function streamResponse(message: Message): EmulatorResponse {
  const events: [string, unknown][] = [
    [
      'message_start',
      {
        type: 'message_start',
        message: {
          ...message,
          content: [],
          stop_reason: null,
          usage: { ...message.usage, output_tokens: 1 },
        },
      },
    ],
  ];
  message.content.forEach((block, index) => {
    // The emulator only ever answers with text and tool_use blocks.
    if (block.type !== 'text' && block.type !== 'tool_use') return;
    const start = block.type === 'text' ? { ...block, text: '' } : { ...block, input: {} };
    const delta =
      block.type === 'text'
        ? { type: 'text_delta', text: block.text }
        : { type: 'input_json_delta', partial_json: JSON.stringify(block.input) };
    events.push(['content_block_start', { type: 'content_block_start', index, content_block: start }]);
    events.push(['content_block_delta', { type: 'content_block_delta', index, delta }]);
    events.push(['content_block_stop', { type: 'content_block_stop', index }]);
  });
  events.push([
    'message_delta',
    {
      type: 'message_delta',
      delta: { stop_reason: message.stop_reason, stop_sequence: null },
      usage: { output_tokens: message.usage.output_tokens },
    },
  ]);
  events.push(['message_stop', { type: 'message_stop' }]);
  const text = events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join('');
  return { status: 200, bytes: Buffer.from(text, 'utf8'), contentType: 'text/event-stream' };
}

function apiError(status: number, type: string, message: string): EmulatorResponse {
  return { status, json: { type: 'error', error: { type, message } } };
}

/** Ids shaped like Anthropic's (`msg_01…`, `toolu_01…`, `req_01…`), unique per emulator. */
function idSequence(): (prefix: string) => string {
  let next = 0;
  return (prefix) => {
    next += 1;
    const body = createHash('sha256').update(`${prefix}:${next}`).digest('base64url').replace(/[-_]/g, 'x');
    return `${prefix}_01${body.slice(0, 22)}`;
  };
}
