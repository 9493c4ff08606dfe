// An in-process simulator pod on a real socket, for HTTP-level specs.
import { createServer } from 'node:net';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { createSimServer } from '../http/sim-server';
import { parseSimArgs } from '../sim-args';
import { createSimPod, type SimPod } from '../sim-pod';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RunningPod {
  pod: SimPod;
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** `serve <model> --port <free> --time-scale 0.02 <flags>`, listening. */
export async function startPod(model: string, flags: string[]): Promise<RunningPod> {
  const port = await freePort();
  const pod = await createSimPod(parseSimArgs(['serve', model, '--port', String(port), '--time-scale', '0.02', ...flags]), pino({ level: 'silent' }));
  const app = createSimServer(pod);
  await app.listen({ host: '127.0.0.1', port });
  return {
    pod,
    app,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close();
      await pod.close();
    },
  };
}

/** POST a JSON body; the status and the parsed answer. */
export async function postJson(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** POST a streaming request; the raw reads as they arrived, and the events decoded from their joined bytes. */
export async function postStream(url: string, body: unknown): Promise<{ reads: Buffer[]; events: unknown[] }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...(body as object), stream: true }) });
  const reads: Buffer[] = [];
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) reads.push(Buffer.from(chunk));
  const text = Buffer.concat(reads).toString('utf8');
  const events = text
    .split('\n\n')
    .filter((e) => e.startsWith('data: '))
    .map((e) => e.slice(6))
    .map((d) => (d === '[DONE]' ? d : (JSON.parse(d) as unknown)));
  return { reads, events };
}
