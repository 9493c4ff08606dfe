// The JSON body of a completion request, read straight off the socket: refused unread past the size
// limit (413), refused with 400 when it is declared as something other than JSON, 400 when it does not parse or tries to
// poison a prototype (as Fastify's own parser does). What Fastify would answer, without its
// per-request machinery on the hot path.
import type { IncomingMessage, ServerResponse } from 'node:http';
import secureJson from 'secure-json-parse';
import { ApiError } from '@llmd/openai';
import { sendApiError } from './api-server';

/**
 * True for `application/json` (or a `+json` type) with or without parameters (`; charset=utf-8`), in
 * any case, and for no Content-Type at all (read as JSON, as vLLM's server does).
 */
export function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined || value === '') return true;
  const semi = value.indexOf(';');
  const type = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** Parses a request body's text; 400 `invalid_json` when it is empty, malformed or poisons a prototype. */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) throw new ApiError('invalid_json', 'We could not parse the JSON body of your request: the body is empty.');
  try {
    return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    throw new ApiError('invalid_json', `We could not parse the JSON body of your request: ${(err as Error).message}`);
  }
}

/**
 * Reads and parses the body. A declared length over `limitBytes` is refused before a byte is read;
 * a chunked body is refused as soon as it passes the limit. The caller answers the error, with
 * `Connection: close` for a body left unread.
 */
export function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (!isJsonContentType(req.headers['content-type'])) return reject(new ApiError('invalid_request', 'Content-Type must be application/json.'));
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limitBytes) return reject(new ApiError('payload_too_large', 'Request body is too large.'));
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        cleanup();
        reject(new ApiError('payload_too_large', 'Request body is too large.'));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      try {
        resolve(parseJsonBody(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks, size).toString('utf8')));
      } catch (err) {
        reject(err);
      }
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new ApiError('invalid_request', `The request body could not be read: ${err.message}`));
    };
    const onAborted = () => onError(new Error('the client closed the connection'));
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/**
 * Reads the body and hands it to `handle`; a body refused or unparsable is answered here (with
 * `Connection: close`: what is left of it is not read).
 */
export function withJsonBody(req: IncomingMessage, res: ServerResponse, limitBytes: number, handle: (body: unknown) => unknown): void {
  readJsonBody(req, limitBytes).then(handle, (err: unknown) => {
    const api = err instanceof ApiError ? err : new ApiError('invalid_request', (err as Error).message);
    if (!res.headersSent && !res.destroyed) sendApiError(res, api, { connection: 'close' });
  });
}
