// JSON requests to the apiserver with the KubeConfig's credentials and TLS settings. The bodies travel
// exactly as written (server-side apply must not see fields renamed or dropped by a serializer) and
// come back as plain JSON (timestamps stay strings).
import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeApiError } from './api-error';

export type Query = Record<string, string | number | boolean | undefined>;

export interface KubeRequestOptions {
  query?: Query;
  /** @default 'application/json' */
  contentType?: string;
  /** Abort the request after this long. @default 30000 */
  timeoutMs?: number;
}

export function requestUrl(kc: KubeConfig, path: string, query: Query = {}): URL {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
  return url;
}

/** The node:http(s) options for one request: credentials (refreshed each time), CA, client certificate. */
export async function requestOptions(kc: KubeConfig, method: string, headers: Record<string, string>): Promise<https.RequestOptions> {
  const opts: https.RequestOptions = { method, headers: { accept: 'application/json', ...headers } };
  await kc.applyToHTTPSOptions(opts);
  return opts;
}

export function transport(url: URL): typeof https | typeof http {
  return url.protocol === 'http:' ? http : https;
}

function failure(method: string, path: string, status: number, text: string): KubeApiError {
  try {
    const s = JSON.parse(text) as { reason?: string; message?: string };
    return new KubeApiError(method, path, status, s.reason ?? '', s.message ?? text);
  } catch {
    return new KubeApiError(method, path, status, '', text.slice(0, 500));
  }
}

/** One request; resolves with the parsed body, rejects with a KubeApiError on a non-2xx status or no response. */
export async function kubeRequest<T = Record<string, unknown>>(kc: KubeConfig, method: string, path: string, body?: unknown, options: KubeRequestOptions = {}): Promise<T> {
  const url = requestUrl(kc, path, options.query);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers: Record<string, string> = payload ? { 'content-type': options.contentType ?? 'application/json', 'content-length': String(payload.length) } : {};
  const opts = await requestOptions(kc, method, headers);
  const timeoutMs = options.timeoutMs ?? 30000;
  return new Promise<T>((resolve, reject) => {
    const req = transport(url).request(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => reject(new KubeApiError(method, path, 0, '', err.message)));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) return reject(failure(method, path, status, text));
        try {
          resolve((text ? JSON.parse(text) : {}) as T);
        } catch {
          reject(new KubeApiError(method, path, status, '', `unparsable response: ${text.slice(0, 200)}`));
        }
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', (err) => reject(new KubeApiError(method, path, 0, '', err.message)));
    req.end(payload);
  });
}
