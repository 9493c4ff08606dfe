// One JSON request to the API server with the kubeconfig's credentials, for the few calls the typed
// clients make awkward (subresources, discovery, delete options).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export class KubeRequestError extends Error {
  readonly code = 'KUBE_REQUEST_FAILED';
  constructor(readonly method: string, readonly path: string, readonly status: number, readonly body: string) {
    super(`${method} ${path}: ${status} ${kubeMessage(body)}`);
    this.name = 'KubeRequestError';
  }
}

function kubeMessage(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body;
  } catch {
    return body.slice(0, 500);
  }
}

export async function kubeRequest(kc: KubeConfig, method: string, path: string, body?: unknown, contentType = 'application/json', timeoutMs = 30000): Promise<unknown> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/$/, '') + path);
  const options: RequestOptions = { method, headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': contentType }) } };
  await kc.applyToHTTPSOptions(options);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'http:' ? httpRequest : httpsRequest)(url, { ...options, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) return reject(new KubeRequestError(method, path, status, text));
        try {
          resolve(text ? JSON.parse(text) : {});
        } catch {
          resolve({ text });
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
