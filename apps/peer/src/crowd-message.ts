import { z } from 'zod';

const crowdMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('joined'), peerId: z.string().min(1), name: z.string() }),
  /** Every peer of this worker has joined. */
  z.strictObject({ type: z.literal('ready') }),
  z.strictObject({
    type: z.literal('complete'),
    peerId: z.string().min(1),
    runNumber: z.number().int().positive(),
    fileSha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  z.strictObject({ type: z.literal('failed'), peerId: z.string(), message: z.string() }),
]);

/** What a crowd worker tells its parent, one JSON object per line (`crowd-worker.ts`): the schema's, declared once. */
export type CrowdMessage = Readonly<z.infer<typeof crowdMessageSchema>>;

/** What starts each line of a worker's messages: nothing a library prints in the same stream does. */
const CROWD_LINE_PREFIX = 'swarmlab-crowd ';

/** `message` as the line a worker prints. */
export function crowdMessageLine(message: CrowdMessage): string {
  return `${CROWD_LINE_PREFIX}${JSON.stringify(message)}\n`;
}

/**
 * A worker's line as a message, or undefined for any other line: the worker's stdout is shared with every library
 * in it (wrtc, simple-peer, socket.io-client), and a line merely cast took `null` for a message (the parent threw)
 * and `{"type":"ready"}` from anything for its worker's (found by review).
 */
export function parseCrowdMessage(line: string): CrowdMessage | undefined {
  if (!line.startsWith(CROWD_LINE_PREFIX)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line.slice(CROWD_LINE_PREFIX.length));
  } catch {
    return undefined;
  }
  const parsed = crowdMessageSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
