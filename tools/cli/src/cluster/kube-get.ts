// The few reads `llmd cluster` makes of its own apiserver (readiness, the default service account, the
// Nodes): a GET with the admin's token over TLS that trusts the apiserver's CA. No client library needed.
import { request } from 'node:https';

export interface KubeTarget {
  /** https://127.0.0.1:PORT */
  server: string;
  token: string;
  /** PEM of the CA that signed the apiserver's serving certificate. */
  ca: string;
}

export interface KubeResponse {
  status: number;
  body: string;
}

/** Resolves with any HTTP answer; rejects when there is none (refused, reset, timed out). */
export function kubeGet(target: KubeTarget, path: string, timeoutMs = 5000): Promise<KubeResponse> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, target.server), { method: 'GET', ca: target.ca, headers: { authorization: `Bearer ${target.token}`, accept: 'application/json' }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** The Nodes and whether each is Ready (true, false, or unknown when it has no Ready condition yet). */
export function nodeReadiness(nodeList: string): { name: string; ready: 'True' | 'False' | 'Unknown' }[] {
  const list = JSON.parse(nodeList) as { items?: { metadata?: { name?: string }; status?: { conditions?: { type?: string; status?: string }[] } }[] };
  return (list.items ?? []).map((n) => {
    const status = n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    return { name: n.metadata?.name ?? '?', ready: status === 'True' || status === 'False' ? status : 'Unknown' };
  });
}
