import { describeSchemaError, type ClientToServerEvents, type SignallingResult } from '@swarmlab/protocol';
import { refuse, type RefusalCode } from './refusals';
import { errorForLog } from './error-for-log';
import { measurePayload } from './payload-measure';

/** A parsed request, or the one-line reason it was refused as `invalid-payload`. */
export type ParseOutcome<Request> =
  { readonly ok: true; readonly request: Request } | { readonly ok: false; readonly message: string };

export type ParseRequest<Request> = (payload: unknown) => ParseOutcome<Request>;

type SchemaError = Parameters<typeof describeSchemaError>[0];

/** The part of a zod schema the guard uses (the server reaches zod only through the protocol package). */
export interface RequestSchema<Request> {
  safeParse(payload: unknown): { success: true; data: Request } | { success: false; error: SchemaError };
}

/** Parses with one of the protocol's schemas. */
export function withSchema<Request>(schema: RequestSchema<Request>): ParseRequest<Request> {
  return (payload) => {
    const result = schema.safeParse(payload);
    return result.success
      ? { ok: true, request: result.data }
      : { ok: false, message: describeSchemaError(result.error) };
  };
}

/** For events whose only argument is the acknowledgement. */
export function noPayload(event: keyof ClientToServerEvents): ParseRequest<undefined> {
  return (payload) =>
    payload === undefined
      ? { ok: true, request: undefined }
      : { ok: false, message: `payload: ${event} takes no payload, only an acknowledgement` };
}

/** Answers a request; the first call wins, later ones are ignored. */
export type Reply<Result extends object> = (result: SignallingResult<Result>) => void;

export interface GuardedRequest<Request, Result extends object> {
  readonly event: keyof ClientToServerEvents;
  readonly parse: ParseRequest<Request>;
  /** Largest request accepted, in UTF-8 bytes of its JSON. */
  readonly maxPayloadBytes: number;
  /**
   * A refusal known before the payload is read, for a request that cannot succeed whatever it carries
   * (a second `swarm:create` from a socket already in a swarm): answered without measuring or parsing.
   */
  readonly refuseEarly?: () => RefusalCode | undefined;
  readonly handle: (request: Request, reply: Reply<Result>) => void | Promise<void>;
}

export interface GuardContext {
  /** Deepest payload nesting accepted (`ServerLimits.maxPayloadDepth`). */
  readonly maxPayloadDepth: number;
  readonly log: (line: string) => void;
  /** Told of each handler's work that goes on after the handler returned (the server's close waits for it). */
  readonly track?: (work: Promise<unknown>) => void;
}

/**
 * Wraps a request handler with the checks every request gets once the socket's budget has admitted
 * the event (`socket-admission.ts`), in this order: an acknowledgement must be present (the last
 * argument, a function; otherwise the event is ignored, since there is no one to answer), one payload
 * at most, the request's early refusal, the payload's depth and size (measured without recursion, and
 * only as far as the caps: `payload-measure.ts`), then the schema. The handler sees only a parsed
 * request, and nothing it throws (or rejects with) escapes: it is logged, and the request, unless
 * already answered, is answered `internal-error`, so one bad request can neither take the server down
 * nor leave its client waiting.
 *
 * The returned listener takes `unknown` arguments on purpose: socket.io's event map types say what a
 * well-behaved client sends, not what arrives.
 */
export function guardRequest<Request, Result extends object>(
  context: GuardContext,
  spec: GuardedRequest<Request, Result>,
): (...args: unknown[]) => void {
  const logFailure = (error: unknown): void => {
    context.log(`error: ${spec.event} handler failed: ${errorForLog(error)}`);
  };
  const bounds = { maxBytes: spec.maxPayloadBytes, maxDepth: context.maxPayloadDepth };

  return (...args) => {
    const ack = args.at(-1);
    if (typeof ack !== 'function') return;
    let replied = false;
    const reply: Reply<Result> = (result) => {
      if (replied) return;
      replied = true;
      ack(result);
    };
    /** The cause goes to the log only: the client learns that the server failed, not how. */
    const fail = (error: unknown): void => {
      logFailure(error);
      reply(refuse('internal-error'));
    };

    try {
      const payloads = args.slice(0, -1);
      if (payloads.length > 1) {
        return reply(refuse('invalid-payload', 'payload: expected one request object and an acknowledgement'));
      }
      const early = spec.refuseEarly?.();
      if (early !== undefined) return reply(refuse(early));
      const payload = payloads[0];
      const measured = measurePayload(payload, bounds);
      if (!measured.ok) {
        return reply(
          measured.code === 'payload-too-large'
            ? refuse('payload-too-large', `The request is larger than ${spec.maxPayloadBytes} bytes.`)
            : refuse('payload-too-deep', `The request nests deeper than ${context.maxPayloadDepth} levels.`),
        );
      }
      const parsed = spec.parse(payload);
      if (!parsed.ok) return reply(refuse('invalid-payload', parsed.message));
      const handled = spec.handle(parsed.request, reply);
      if (handled instanceof Promise) context.track?.(handled.catch(fail));
    } catch (error) {
      fail(error);
    }
  };
}
