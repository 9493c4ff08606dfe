// A whole upstream body read into memory, but never more than a bound: a pod (or anything answering
// on its address) that sends an endless or huge non-streamed body must not exhaust the gateway.
import { ApiError } from '@llmd/openai';

/** Reads `body` to its end as UTF-8; past `maxBytes` the body is destroyed and the request ends with a 502. */
export async function readCapped(body: AsyncIterable<Buffer | Uint8Array> & { destroy?: (err?: Error) => unknown }, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy?.();
      throw new ApiError('upstream_error', `The inference endpoint's response is larger than upstream.maxResponseBytes (${maxBytes} bytes).`);
    }
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
  }
  return Buffer.concat(chunks, size).toString('utf8');
}
