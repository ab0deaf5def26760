import { z } from 'zod';

/**
 * Faults an emulator injects, for tests of the fetchers' resilience. A rule applies to the first
 * `times` requests whose method and path match, then retires.
 */
export const faultRuleSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('status'),
    status: z.union([z.literal(429), z.literal(500), z.literal(502), z.literal(503)]),
    /** Seconds, sent as `Retry-After` (429 and 503). */
    retryAfter: z.number().int().nonnegative().optional(),
  }),
  /** Answers correctly, but only after `ms`. */
  z.object({ kind: z.literal('delay'), ms: z.number().int().positive() }),
  /** Destroys the socket without answering. */
  z.object({ kind: z.literal('drop') }),
  /** 200 with a body that is not valid JSON. */
  z.object({ kind: z.literal('malformed') }),
  /** 200 with a valid JSON page whose record list has lost its second half. */
  z.object({ kind: z.literal('truncate') }),
  /**
   * Time passes during the run: the clock moves `ms` forward before this request is answered, so
   * records made meanwhile (a refund while the run reads payments) show from here on.
   */
  z.object({ kind: z.literal('advance'), ms: z.number().int().positive() }),
  /**
   * Answers with this status and body instead: an API's own failure modes, such as Graph's throttling
   * (400 with error code 4) or Mailchimp's bare 403, built by the emulator that documents them.
   */
  z.object({
    kind: z.literal('respond'),
    status: z.number().int().min(400).max(599),
    json: z.unknown().optional(),
    text: z.string().optional(),
    contentType: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
]);

export const faultSchema = z.intersection(
  faultRuleSchema,
  z.object({
    /** Substring of the request path (without query) that the fault applies to; all paths if absent. */
    path: z.string().optional(),
    method: z.string().optional(),
    times: z.number().int().positive().default(1),
  }),
);

export type Fault = z.infer<typeof faultSchema>;
export type FaultInput = z.input<typeof faultSchema>;

export class FaultPlan {
  private readonly pending: Fault[] = [];
  readonly fired: Fault[] = [];

  add(...faults: FaultInput[]): void {
    for (const fault of faults) this.pending.push(faultSchema.parse(fault));
  }

  clear(): void {
    this.pending.length = 0;
  }

  /** Takes one firing of the first rule that matches this request, if any. */
  take(method: string, path: string): Fault | undefined {
    const index = this.pending.findIndex(
      (f) =>
        (!f.method || f.method.toUpperCase() === method.toUpperCase()) && (!f.path || path.includes(f.path)),
    );
    if (index < 0) return undefined;
    const fault = this.pending[index]!;
    this.fired.push(fault);
    if (fault.times <= 1) this.pending.splice(index, 1);
    else this.pending[index] = { ...fault, times: fault.times - 1 };
    return fault;
  }
}
