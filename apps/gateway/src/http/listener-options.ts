// The gateway's HTTP listener: how much a client may send and how slowly. A request head over
// limits.headerBytes, a head or a whole request not received in time (slowloris), or a body over
// limits.bodyBytes is refused before anything parses it, with an OpenAI-shaped error.
import type { Socket } from 'node:net';
import type { FastifyServerFactory, FastifyServerOptions } from 'fastify';
import { ApiError } from '@llmd/openai';
import type { GatewayConfig } from '../config';

/**
 * Node checks the head and request deadlines on a timer, not per socket: every this often, at most
 * a second (its default, 30 s, would let a slow client hold a socket that much past the deadline).
 */
export function deadlineCheckMs(headersTimeoutMs: number): number {
  return Math.max(10, Math.min(1000, Math.floor(headersTimeoutMs / 4)));
}

/** The OpenAI error for a client error Node raises before a request reaches Fastify's routing. */
export function clientErrorOf(code: string | undefined): ApiError {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new ApiError('request_timeout', 'The request was not received in time.');
  if (code === 'HPE_HEADER_OVERFLOW') return new ApiError('headers_too_large', 'The request headers are too large.');
  return new ApiError('invalid_request', 'Malformed HTTP request.');
}

/** Answers a client error as Node would (then closes), with OpenAI's error shape in the body. */
function onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const api = clientErrorOf(err.code);
    const body = JSON.stringify(api.toBody());
    socket.write(`HTTP/1.1 ${api.status} ${api.status === 408 ? 'Request Timeout' : api.status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}

/**
 * Fastify's options for the API port. With `https`, the server's own limits go with the TLS options:
 * Fastify hands its `http` option to plaintext servers only. `serverFactory` (ApiServer's) makes the
 * server, with the same options, when the completion routes are served off Fastify.
 */
export function listenerOptions(limits: GatewayConfig['limits'], https?: object, serverFactory?: FastifyServerFactory): FastifyServerOptions {
  const server = {
    maxHeaderSize: limits.headerBytes,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: deadlineCheckMs(limits.headersTimeoutMs),
  };
  return {
    ...(https ? { https: { ...https, ...server } } : { http: server }),
    bodyLimit: limits.bodyBytes,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // No idle-socket timeout: a non-streamed completion leaves the socket silent for minutes while the
    // pod works. The answer is bounded by upstream.timeoutMs, the request by the deadlines above.
    connectionTimeout: 0,
    clientErrorHandler: onClientError,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    ...(serverFactory ? { serverFactory } : {}),
  };
}
