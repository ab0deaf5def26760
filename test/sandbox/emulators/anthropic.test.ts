import Anthropic from '@anthropic-ai/sdk';
import { parseHTML } from 'linkedom';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sandboxCredentials } from '../../../src/sandbox/credentials.ts';
import type { MailchimpCampaign, SandboxDataset, TemplateTruth } from '../../../src/sandbox/dataset.ts';
import { type AnthropicEmulator, createAnthropicEmulator } from '../../../src/sandbox/emulators/anthropic.ts';
import { generateGym } from '../../../src/sandbox/generate.ts';
import { prepareImage } from '../../../src/vision/prepare-image.ts';

const MODEL = 'claude-haiku-4-5';

/** What the product expects back for an email template, strictly. */
const templateAnswerSchema = z.strictObject({
  has_offer: z.boolean(),
  offer_type: z
    .enum(['membership_discount', 'day_pass_discount', 'retail_discount', 'free_trial', 'other'])
    .nullable(),
  offer_amount: z.string().nullable(),
  offer_code: z.string().nullable(),
  offer_expires: z.iso.date().nullable(),
  offer_description: z.string().nullable(),
  email_category: z.enum(['welcome', 'promotional', 'newsletter', 'transactional', 're-engagement', 'other']),
  summary: z.string(),
  tone: z.string(),
  content_type: z.string(),
  calls_to_action: z.array(z.string()),
  themes: z.array(z.string()),
});
const imageAnswerSchema = z.strictObject({
  description: z.string(),
  activity_type: z.string(),
  themes: z.array(z.string()),
});

const templateTool = {
  name: 'record_email_analysis',
  description: 'Record the analysis of one marketing email.',
  input_schema: z.toJSONSchema(templateAnswerSchema) as Anthropic.Tool.InputSchema,
};

/** The email as the product sends it: title, subject and the visible text of the HTML, truncated. */
function emailPrompt(campaign: MailchimpCampaign, html: string): string {
  const { document } = parseHTML(html);
  for (const element of document.querySelectorAll('script, style')) element.remove();
  const text = (document.body?.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 3000);
  if (text.length < 50) throw new Error(`campaign ${campaign.id} has almost no visible text`);
  return `Analyse this marketing email.\nTitle: ${campaign.settings.title}\nSubject: ${campaign.settings.subject_line}\n\n${text}`;
}

function expectedAnswer(truth: TemplateTruth): z.infer<typeof templateAnswerSchema> {
  const { campaign_id: _id, is_effective: _effective, ...answer } = truth;
  return answer;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('Anthropic Messages emulator over the tiny gym, through the official SDK', () => {
  let dataset: SandboxDataset;
  let emulator: AnthropicEmulator;
  let url: string;
  let client: Anthropic;
  let campaigns: Map<string, MailchimpCampaign>;

  const connect = (options: { apiKey?: string; maxRetries?: number } = {}) =>
    new Anthropic({
      apiKey: options.apiKey ?? sandboxCredentials.anthropicApiKey,
      baseURL: url,
      maxRetries: options.maxRetries ?? 0,
    });
  const promptFor = (truth: TemplateTruth) => {
    const campaign = campaigns.get(truth.campaign_id)!;
    return emailPrompt(campaign, dataset.mailchimp.content(campaign.id)!.html);
  };
  const askWithTool = (prompt: string, sdk = client) =>
    sdk.messages.create({
      model: MODEL,
      max_tokens: 1000,
      tools: [templateTool],
      tool_choice: { type: 'tool', name: templateTool.name },
      messages: [{ role: 'user', content: prompt }],
    });
  const toolInput = (message: Anthropic.Message) => {
    const block = message.content.find((b) => b.type === 'tool_use');
    if (!block) throw new Error('no tool_use block');
    return block.input;
  };
  const imageRequest = (bytes: Uint8Array, mediaType: Anthropic.Base64ImageSource['media_type']) => ({
    model: MODEL,
    max_tokens: 300,
    messages: [
      {
        role: 'user' as const,
        content: [
          {
            type: 'image' as const,
            source: {
              type: 'base64' as const,
              media_type: mediaType,
              data: Buffer.from(bytes).toString('base64'),
            },
          },
          {
            type: 'text' as const,
            text: 'Describe this post. Answer JSON: description, activity_type, themes.',
          },
        ],
      },
    ],
  });

  beforeAll(async () => {
    dataset = generateGym({ size: 'tiny' });
    emulator = createAnthropicEmulator(dataset);
    url = await emulator.listen();
    client = connect();
    campaigns = new Map(dataset.mailchimp.campaigns(dataset.horizon).map((c) => [c.id, c]));
  });
  afterAll(() => emulator.close());
  beforeEach(() => emulator.faults.clear());

  it('answers every sandbox email template with its ground truth, as the requested tool call', async () => {
    expect(dataset.truth.templates.length).toBeGreaterThan(10);
    for (const truth of dataset.truth.templates) {
      const message = await askWithTool(promptFor(truth));
      expect(message.stop_reason).toBe('tool_use');
      expect(message.content).toHaveLength(1);
      const input = templateAnswerSchema.parse(toolInput(message));
      expect(input).toEqual(expectedAnswer(truth));
      expect(emulator.calls.at(-1)).toMatchObject({
        kind: 'template',
        subjectId: truth.campaign_id,
        mode: 'truth',
      });
    }
  });

  it('answers as JSON text without tools, limited to the properties of a structured-output schema', async () => {
    const truth = dataset.truth.templates.find((t) => t.has_offer)!;
    const plain = await client.messages.create({
      model: MODEL,
      max_tokens: 1000,
      system: 'You analyse marketing emails and answer with JSON only.',
      messages: [{ role: 'user', content: promptFor(truth) }],
    });
    expect(plain.stop_reason).toBe('end_turn');
    const [block] = plain.content;
    expect(block?.type).toBe('text');
    expect(templateAnswerSchema.parse(JSON.parse((block as Anthropic.TextBlock).text))).toEqual(
      expectedAnswer(truth),
    );

    const structured = await client.messages.create({
      model: MODEL,
      max_tokens: 1000,
      output_config: {
        format: {
          type: 'json_schema',
          schema: {
            type: 'object',
            properties: { has_offer: { type: 'boolean' }, offer_code: { type: 'string' } },
          },
        },
      },
      messages: [{ role: 'user', content: promptFor(truth) }],
    });
    expect(JSON.parse((structured.content[0] as Anthropic.TextBlock).text)).toEqual({
      has_offer: true,
      offer_code: truth.offer_code,
    });
  });

  it('answers every Instagram image with its ground truth, recognised by its bytes', async () => {
    const truths = new Map(dataset.truth.images.map((t) => [t.media_id, t]));
    const media = dataset.instagram.media(dataset.horizon);
    expect(media.length).toBe(truths.size);
    for (const post of media) {
      const image = dataset.instagram.image(post.id)!;
      const message = await client.messages.create(imageRequest(image.bytes, image.contentType));
      const answer = imageAnswerSchema.parse(JSON.parse((message.content[0] as Anthropic.TextBlock).text));
      const { media_id: _id, ...expected } = truths.get(post.id)!;
      expect(answer).toEqual(expected);
      expect(message.usage.input_tokens).toBeGreaterThanOrEqual(1_600);
    }
    expect(emulator.calls.filter((c) => c.kind === 'image' && c.subjectId).length).toBeGreaterThanOrEqual(
      media.length,
    );
  });

  it('gives valid neutral answers for content that is not from the sandbox', async () => {
    const email = await askWithTool(
      'Title: Bake sale\nSubject: Cookies on Friday\n\nBring a tray of cookies to the hall.',
    );
    expect(templateAnswerSchema.parse(toolInput(email))).toMatchObject({
      has_offer: false,
      offer_type: null,
    });
    expect(emulator.calls.at(-1)).toMatchObject({ kind: 'template', subjectId: undefined });

    const unknownPhoto = await sharp({
      create: { width: 4, height: 4, channels: 3, background: { r: 9, g: 9, b: 9 } },
    })
      .png()
      .toBuffer();
    const photo = await client.messages.create(imageRequest(unknownPhoto, 'image/png'));
    expect(
      imageAnswerSchema.safeParse(JSON.parse((photo.content[0] as Anthropic.TextBlock).text)).success,
    ).toBe(true);
    expect(emulator.calls.at(-1)).toMatchObject({ kind: 'image', subjectId: undefined });
  });

  it('answers the next n calls with schema-invalid output, then with the truth again', async () => {
    const truth = dataset.truth.templates[0]!;
    emulator.answerNext('invalid', 2);
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(toolInput(await askWithTool(promptFor(truth))));
    expect(templateAnswerSchema.safeParse(answers[0]).success).toBe(false);
    expect(templateAnswerSchema.safeParse(answers[1]).success).toBe(false);
    expect(answers[0]).toMatchObject({ has_offer: 'maybe' });
    expect(answers[2]).toEqual(expectedAnswer(truth));
    expect(emulator.calls.slice(-3).map((c) => c.mode)).toEqual(['invalid', 'invalid', 'truth']);

    emulator.answerNext('invalid');
    const image = dataset.instagram.image(dataset.truth.images[0]!.media_id)!;
    const invalidImage = await client.messages.create(imageRequest(image.bytes, image.contentType));
    const parsed = JSON.parse((invalidImage.content[0] as Anthropic.TextBlock).text);
    expect(imageAnswerSchema.safeParse(parsed).success).toBe(false);
  });

  it('answers in prose, with no JSON and no tool call, when told to', async () => {
    emulator.answerNext('prose');
    const message = await askWithTool(promptFor(dataset.truth.templates[0]!));
    expect(message.stop_reason).toBe('end_turn');
    expect(message.content.map((b) => b.type)).toEqual(['text']);
    expect(() => JSON.parse((message.content[0] as Anthropic.TextBlock).text)).toThrow();
  });

  it('stops with refusal or pause_turn, and answers 529 overloaded_error, when told to', async () => {
    const prompt = promptFor(dataset.truth.templates[0]!);
    emulator.answerNext('refusal');
    const refused = await askWithTool(prompt);
    expect(refused.stop_reason).toBe('refusal');
    expect(refused.stop_details).toMatchObject({ type: 'refusal' });
    expect(refused.content.some((b) => b.type === 'tool_use')).toBe(false);
    emulator.answerNext('pause_turn');
    const paused = await askWithTool(prompt);
    expect(paused).toMatchObject({ stop_reason: 'pause_turn', content: [] });
    emulator.answerNext('overloaded');
    const overloaded = await rejection(askWithTool(prompt));
    expect(overloaded).toBeInstanceOf(Anthropic.APIError);
    expect(overloaded).toMatchObject({ status: 529, error: { error: { type: 'overloaded_error' } } });
  });

  it('returns a non-strict tool answer as the model gave it, and trims only for strict tools', async () => {
    const prompt = promptFor(dataset.truth.templates[0]!);
    const narrow = {
      ...templateTool,
      input_schema: z.toJSONSchema(z.strictObject({ has_offer: z.boolean() })) as Anthropic.Tool.InputSchema,
    };
    const ask = (strict: boolean) =>
      client.messages.create({
        model: MODEL,
        max_tokens: 1000,
        tools: [{ ...narrow, strict }],
        tool_choice: { type: 'tool', name: narrow.name },
        messages: [{ role: 'user', content: prompt }],
      });
    expect(Object.keys(toolInput(await ask(true)) as object)).toEqual(['has_offer']);
    expect(Object.keys(toolInput(await ask(false)) as object).length).toBeGreaterThan(1);
  });

  it('answers 400 for an image whose bytes contradict its media type, over 5 MB or over 8000 px; ours are fixed first', async () => {
    const png = (width: number, height: number) =>
      sharp({ create: { width, height, channels: 3, background: { r: 200, g: 90, b: 20 } } })
        .png()
        .toBuffer();
    const small = await png(8, 8);
    const wide = await png(8001, 8);
    const huge = Buffer.alloc(5 * 1024 * 1024 + 1, 7);
    const failures = await Promise.all([
      rejection(client.messages.create(imageRequest(small, 'image/jpeg'))),
      rejection(client.messages.create(imageRequest(huge, 'image/png'))),
      rejection(client.messages.create(imageRequest(wide, 'image/png'))),
    ]);
    const messages = failures.map((e) => {
      expect(e).toBeInstanceOf(Anthropic.BadRequestError);
      return (e as Error).message;
    });
    expect(messages[0]).toMatch(/Image does not match the provided media type image\/jpeg/);
    expect(messages[1]).toMatch(/image exceeds 5 MB maximum/);
    expect(messages[2]).toMatch(/image dimensions exceed max allowed size: 8000 pixels/);

    const detected = await prepareImage(small);
    expect(detected).toMatchObject({ ok: true, mediaType: 'image/png', resized: false });
    const resized = await prepareImage(wide);
    expect(resized).toMatchObject({ ok: true, mediaType: 'image/jpeg', resized: true });
    if (!resized.ok) throw new Error(resized.reason);
    expect((await sharp(resized.bytes).metadata()).width).toBeLessThanOrEqual(8000);
    const accepted = await client.messages.create(imageRequest(resized.bytes, resized.mediaType));
    expect(accepted.type).toBe('message');
    expect(await prepareImage(huge)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not an image/),
    });
  });

  it('streams the same answer as server-sent events', async () => {
    const truth = dataset.truth.templates[1]!;
    const streamed = await client.messages
      .stream({
        model: MODEL,
        max_tokens: 1000,
        tools: [templateTool],
        tool_choice: { type: 'tool', name: templateTool.name },
        messages: [{ role: 'user', content: promptFor(truth) }],
      })
      .finalMessage();
    expect(streamed.stop_reason).toBe('tool_use');
    expect(toolInput(streamed)).toEqual(expectedAnswer(truth));
  });

  it('echoes the model, sets message ids, request-id and plausible usage, and stops at max_tokens', async () => {
    const prompt = promptFor(dataset.truth.templates[2]!);
    const { data: message, response } = await client.messages
      .create({ model: 'claude-sonnet-4-5', max_tokens: 1000, messages: [{ role: 'user', content: prompt }] })
      .withResponse();
    expect(message).toMatchObject({ type: 'message', role: 'assistant', model: 'claude-sonnet-4-5' });
    expect(message.id).toMatch(/^msg_01\w{22}$/);
    expect(response.headers.get('request-id')).toMatch(/^req_01/);
    expect(message.usage.input_tokens).toBeGreaterThanOrEqual(Math.floor(prompt.length / 4));
    expect(message.usage.input_tokens).toBeLessThan(prompt.length);
    expect(message.usage.output_tokens).toBeGreaterThan(10);

    const cut = await client.messages.create({
      model: MODEL,
      max_tokens: 10,
      messages: [{ role: 'user', content: prompt }],
    });
    expect(cut.stop_reason).toBe('max_tokens');
    expect((cut.content[0] as Anthropic.TextBlock).text.length).toBeLessThanOrEqual(40);
  });

  it('rejects a wrong key with AuthenticationError, and accepts the key as x-api-key too', async () => {
    const error = await rejection(askWithTool('hello', connect({ apiKey: 'sk-ant-wrong' })));
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(error).toMatchObject({ status: 401, error: { error: { type: 'authentication_error' } } });

    const response = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': sandboxCredentials.anthropicApiKey,
        'anthropic-version': '2023-06-01',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ type: 'message' });
  });

  it('rejects requests missing model, max_tokens, messages or the version header with invalid_request_error', async () => {
    const base = { model: MODEL, max_tokens: 50, messages: [{ role: 'user' as const, content: 'hello' }] };
    const { model: _m, ...noModel } = base;
    const { max_tokens: _t, ...noMaxTokens } = base;
    const cases: [unknown, string][] = [
      [noModel, 'model: Field required'],
      [noMaxTokens, 'max_tokens: Field required'],
      [{ ...base, messages: [] }, 'messages: at least one message is required'],
    ];
    for (const [body, message] of cases) {
      const error = await rejection(
        client.messages.create(body as Anthropic.MessageCreateParamsNonStreaming),
      );
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
      expect(error).toMatchObject({
        status: 400,
        error: { error: { type: 'invalid_request_error', message } },
      });
    }
    const unversioned = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': sandboxCredentials.anthropicApiKey, 'content-type': 'application/json' },
      body: JSON.stringify(base),
    });
    expect(unversioned.status).toBe(400);
  });

  describe('faults, as the SDK meets them', () => {
    it('a 429 with Retry-After is waited out by the SDK; without retries it is a RateLimitError', async () => {
      const truth = dataset.truth.templates[3]!;
      const callsBefore = emulator.calls.length;
      emulator.faults.add({ kind: 'status', status: 429, retryAfter: 1, path: '/v1/messages' });
      const message = await askWithTool(promptFor(truth), connect({ maxRetries: 2 }));
      expect(toolInput(message)).toEqual(expectedAnswer(truth));
      // The refused attempt never reached the model: one call answered.
      expect(emulator.calls.length - callsBefore).toBe(1);

      emulator.faults.add({ kind: 'status', status: 429, retryAfter: 1, path: '/v1/messages' });
      const error = await rejection(askWithTool(promptFor(truth)));
      expect(error).toBeInstanceOf(Anthropic.RateLimitError);
      expect((error as InstanceType<typeof Anthropic.RateLimitError>).headers?.get('retry-after')).toBe('1');
    });

    it.each([500, 503] as const)(
      'a %i is retried by the SDK; without retries it is an APIError',
      async (status) => {
        emulator.faults.add({ kind: 'status', status, path: '/v1/messages' });
        const message = await askWithTool(promptFor(dataset.truth.templates[4]!), connect({ maxRetries: 1 }));
        expect(message.stop_reason).toBe('tool_use');

        emulator.faults.add({ kind: 'status', status, path: '/v1/messages' });
        const error = await rejection(askWithTool('hello'));
        expect(error).toBeInstanceOf(status === 500 ? Anthropic.InternalServerError : Anthropic.APIError);
        expect(error).toMatchObject({ status });
      },
    );

    it('a dropped connection is retried by the SDK; without retries it is an APIConnectionError', async () => {
      emulator.faults.add({ kind: 'drop', path: '/v1/messages' });
      expect((await askWithTool('hello', connect({ maxRetries: 1 }))).stop_reason).toBe('tool_use');

      emulator.faults.add({ kind: 'drop', path: '/v1/messages' });
      expect(await rejection(askWithTool('hello'))).toBeInstanceOf(Anthropic.APIConnectionError);
    });

    it('a malformed body makes the SDK throw a JSON syntax error', async () => {
      emulator.faults.add({ kind: 'malformed', path: '/v1/messages' });
      expect(await rejection(askWithTool('hello'))).toBeInstanceOf(SyntaxError);
    });
  });
});
