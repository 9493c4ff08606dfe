// The API port's server. The completion routes (POST /v1/chat/completions, /v1/completions,
// /v1/embeddings, /tokenize) go straight from Node's HTTP server to the proxy: Fastify's routing,
// hooks, content-type parser and reply, and Nest's execution context, cost more CPU per request than
// the rest of the gateway's own work, and a streamed completion uses none of them. Every other route
// (/health, /v1/models, unknown routes) is Fastify's, and the server's limits (head size, deadlines,
// client errors) apply to both alike: they are the server's, not Fastify's.
import { createServer as createHttpServer, IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { FastifyServerFactory, FastifyServerOptions } from 'fastify';
import { ApiError } from '@llmd/openai';

export type CompletionPath = '/v1/chat/completions' | '/v1/completions' | '/v1/embeddings' | '/tokenize';

const COMPLETION_PATHS: ReadonlySet<string> = new Set<CompletionPath>(['/v1/chat/completions', '/v1/completions', '/v1/embeddings', '/tokenize']);

/** The completion route a request is for (a POST, query string ignored), or undefined for Fastify's routes. */
export function completionPathOf(method: string | undefined, url: string | undefined): CompletionPath | undefined {
  if (method !== 'POST' || url === undefined) return undefined;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  return COMPLETION_PATHS.has(path) ? (path as CompletionPath) : undefined;
}

/** What serves the completion routes (CompletionProxy). */
export interface CompletionHandler {
  serve(path: CompletionPath, req: IncomingMessage, res: ServerResponse): void;
}

/** Writes an OpenAI error as a whole JSON response. */
export function sendApiError(res: ServerResponse, api: ApiError, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(api.toBody());
  res.writeHead(api.status, { ...api.headers, ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export class ApiServer {
  private handler?: CompletionHandler;
  private closing = false;

  /** The proxy, once the app has built it; until then the completion routes are Fastify's (404). */
  serveCompletionsWith(handler: CompletionHandler): void {
    this.handler = handler;
  }

  /** New completion requests answer 503 with `Connection: close` from now on (the server is closing). */
  close(): void {
    this.closing = true;
  }

  /** Fastify's `serverFactory`: the server Fastify would make, with the completion routes taken off it. */
  readonly factory: FastifyServerFactory = (fastifyHandler, options) => {
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      const path = this.handler && completionPathOf(req.method, req.url);
      if (!path || !this.handler) return fastifyHandler(req, res);
      if (this.closing) return sendApiError(res, new ApiError('no_endpoint_available', 'The gateway is shutting down.'), { connection: 'close' });
      this.handler.serve(path, req, res);
    };
    const opts = options as FastifyServerOptions & { https?: ServerOptions | null; http?: ServerOptions | null };
    const server: Server = opts.https ? createHttpsServer(opts.https, onRequest) : createHttpServer(opts.http ?? {}, onRequest);
    // What Fastify applies to a server it makes itself.
    server.keepAliveTimeout = opts.keepAliveTimeout ?? 72000;
    server.requestTimeout = opts.requestTimeout ?? 0;
    server.setTimeout(opts.connectionTimeout ?? 0);
    return server as ReturnType<FastifyServerFactory>;
  };
}
