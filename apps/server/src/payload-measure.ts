/** The bounds a payload is measured against: the event's size cap and the server's nesting cap. */
export interface PayloadBounds {
  /** Largest payload accepted, in UTF-8 bytes of its JSON. */
  readonly maxBytes: number;
  /** Deepest nesting accepted: a flat object is depth 1, an object holding an array of objects depth 3. */
  readonly maxDepth: number;
}

/** A payload's size, or why it was not measured to the end. */
export type PayloadMeasure =
  | { readonly ok: true; readonly bytes: number }
  | { readonly ok: false; readonly code: 'payload-too-large' | 'payload-too-deep' };

/** Characters that JSON escapes (quote, backslash, controls) and surrogates (escaped when unpaired). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON escapes
const NEEDS_ESCAPING = /["\\\u0000-\u001f\ud800-\udfff]/;

/** UTF-8 bytes of a string as JSON, quotes included. */
function jsonStringBytes(text: string): number {
  return NEEDS_ESCAPING.test(text) ? Buffer.byteLength(JSON.stringify(text)) : Buffer.byteLength(text) + 2;
}

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/**
 * The payload's size in UTF-8 bytes of its JSON (`Buffer.byteLength(JSON.stringify(payload))`, binary
 * attachments counted by their length), found without recursion: a work list instead of the call stack,
 * so no nesting can overflow the stack, and the walk stops as soon as the payload is deeper than
 * `maxDepth` or larger than `maxBytes`. Its cost is bounded by what it has counted so far, hence by
 * `maxBytes`; a string is refused by its length before it is encoded. Untrusted input only: it reads
 * own enumerable properties (what JSON.parse and socket.io's decoder produce) and calls no `toJSON`.
 */
export function measurePayload(payload: unknown, bounds: PayloadBounds): PayloadMeasure {
  const tooLarge = { ok: false, code: 'payload-too-large' } as const;
  const values: unknown[] = [payload];
  const depths: number[] = [0];
  let bytes = 0;
  while (values.length > 0) {
    const value = values.pop();
    const depth = depths.pop()!;
    if (typeof value === 'string') {
      // UTF-8 takes at least a byte per UTF-16 unit, so a string this long is too large however it encodes.
      if (bytes + value.length + 2 > bounds.maxBytes) return tooLarge;
      bytes += jsonStringBytes(value);
    } else if (typeof value === 'number') {
      bytes += Number.isFinite(value) ? String(value).length : 4;
    } else if (typeof value === 'boolean') {
      bytes += value ? 4 : 5;
    } else if (value === null) {
      bytes += 4;
    } else if (typeof value === 'object') {
      if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
        bytes += value.byteLength;
      } else {
        if (depth + 1 > bounds.maxDepth) return { ok: false, code: 'payload-too-deep' };
        const array = Array.isArray(value);
        // Brackets, then a comma between entries (one per entry, the first's paying for the brackets' second).
        bytes += 1;
        let entries = 0;
        if (array) {
          for (let index = 0; index < value.length; index++) {
            bytes += 1;
            if (bytes > bounds.maxBytes) return tooLarge;
            const child: unknown = value[index];
            // JSON.stringify writes null for what it cannot write in an array.
            values.push(isOmitted(child) ? null : child);
            depths.push(depth + 1);
          }
          entries = value.length;
        } else {
          for (const key in value) {
            if (!Object.hasOwn(value, key)) continue;
            const child: unknown = (value as Record<string, unknown>)[key];
            if (isOmitted(child)) continue;
            // The key, its colon, and the comma (or closing brace) after the entry.
            bytes += jsonStringBytes(key) + 2;
            if (bytes > bounds.maxBytes) return tooLarge;
            values.push(child);
            depths.push(depth + 1);
            entries++;
          }
        }
        if (entries === 0) bytes += 1;
      }
    }
    // undefined, functions and symbols: nothing, as JSON.stringify leaves them out of objects.
    if (bytes > bounds.maxBytes) return tooLarge;
  }
  return { ok: true, bytes };
}
