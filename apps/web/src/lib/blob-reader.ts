/**
 * All of `blob` (at most `buffer`'s length) read into `buffer` by a "bring your own buffer" reader, as a view
 * of it: a pass that reads part after part into one buffer allocates nothing per part. The read transfers
 * the memory to a new `ArrayBuffer` object and detaches `buffer`, so the caller passes the returned view's
 * `buffer` to the next read. Where Blob streams are not byte streams, a fresh copy.
 */
export async function readBlobInto(blob: Blob, buffer: ArrayBuffer): Promise<Uint8Array> {
  if (blob.size > buffer.byteLength)
    throw new RangeError(`a blob of ${blob.size} bytes does not fit ${buffer.byteLength}`);
  const stream = blob.stream();
  let reader: ReadableStreamBYOBReader;
  try {
    reader = stream.getReader({ mode: 'byob' });
  } catch {
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }
  let memory = buffer;
  let filledBytes = 0;
  try {
    while (filledBytes < blob.size) {
      const { done, value } = await reader.read(new Uint8Array(memory, filledBytes, blob.size - filledBytes));
      if (value) memory = value.buffer;
      if (done || !value) break;
      filledBytes += value.byteLength;
    }
  } finally {
    // Cut short (a failed read): the rest is not wanted. The cancel is not awaited: nothing depends on it.
    if (filledBytes < blob.size) void reader.cancel().catch(() => {});
    reader.releaseLock();
  }
  if (filledBytes < blob.size) throw new Error(`the blob ended after ${filledBytes} of ${blob.size} bytes`);
  return new Uint8Array(memory, 0, filledBytes);
}
