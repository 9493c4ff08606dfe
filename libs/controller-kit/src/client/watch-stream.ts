// One watch request: the apiserver's newline-delimited JSON events, until the server ends the stream
// (its timeoutSeconds), an error, or abort().
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { KubeApiError } from './api-error';
import { Query, requestOptions, requestUrl, transport } from './kube-request';

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Record<string, unknown> | KubernetesObject;
}

export interface WatchHandle {
  /** Resolves when the stream ended cleanly; rejects with a KubeApiError otherwise. */
  done: Promise<void>;
  abort(): void;
}

export async function watchStream(kc: KubeConfig, path: string, query: Query, onEvent: (e: WatchEvent) => void, idleTimeoutMs: number): Promise<WatchHandle> {
  const url = requestUrl(kc, path, { ...query, watch: true });
  const opts = await requestOptions(kc, 'GET', {});
  let abort: () => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    let aborted = false;
    const req = transport(url).request(url, opts, (res) => {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let reason = '';
          try {
            reason = (JSON.parse(text) as { reason?: string }).reason ?? '';
          } catch {
            // not a Status object
          }
          reject(new KubeApiError('WATCH', path, status, reason, text.slice(0, 500)));
        });
        return;
      }
      let buffered = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (!line) continue;
          let event: WatchEvent;
          try {
            event = JSON.parse(line) as WatchEvent;
          } catch {
            req.destroy(new Error(`unparsable watch event: ${line.slice(0, 200)}`));
            return;
          }
          onEvent(event);
        }
      });
      res.on('end', () => resolve());
      res.on('error', (err) => (aborted ? resolve() : reject(new KubeApiError('WATCH', path, 0, '', err.message))));
      res.on('close', () => (aborted || res.complete ? resolve() : reject(new KubeApiError('WATCH', path, 0, '', 'watch stream closed early'))));
    });
    // A silent connection (no event, no bookmark) past the server's own timeout is a dead one.
    req.setTimeout(idleTimeoutMs, () => req.destroy(new Error(`watch idle for ${idleTimeoutMs} ms`)));
    req.on('error', (err) => (aborted ? resolve() : reject(new KubeApiError('WATCH', path, 0, '', err.message))));
    req.end();
    abort = () => {
      aborted = true;
      req.destroy();
    };
  });
  return { done, abort: () => abort() };
}
