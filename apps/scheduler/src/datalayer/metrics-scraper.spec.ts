import { createServer, Server } from 'node:http';
import pino from 'pino';
import type { EndpointRegistry } from './endpoint-registry';
import { MetricsScraper } from './metrics-scraper';

function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; address: string }> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, address: `127.0.0.1:${(server.address() as { port: number }).port}` })));
}

/** A registry that records what the scraper tells it. */
function registry(address: string) {
  const seen: { ok: { waiting: number }[]; failed: number } = { ok: [], failed: 0 };
  const reg = {
    specs: () => [{ id: 'e', address, models: ['m'] }],
    recordScrape: (_id: string, load: { waiting: number }) => seen.ok.push(load),
    recordScrapeFailure: () => seen.failed++,
  } as unknown as EndpointRegistry;
  return { reg, seen };
}

async function until(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('MetricsScraper', () => {
  it("records a pod's load from its /metrics", async () => {
    const { server, address } = await listen((_q, res) => res.end('vllm:num_requests_waiting{model_name="m"} 3\n'));
    const { reg, seen } = registry(address);
    const scraper = new MetricsScraper(reg, { intervalMs: 60_000, timeoutMs: 500 }, pino({ level: 'silent' }));
    scraper.scrapeAll();
    await until(() => seen.ok.length > 0, 2000);
    expect(seen.ok[0].waiting).toBe(3);
    await scraper.stop();
    server.close();
  });

  it.each([
    ['accepts the connection and never answers', (_q: unknown, _res: unknown) => undefined],
    ['answers the headers and never finishes the body', (_q: unknown, res: { writeHead: (n: number) => void; write: (s: string) => void }) => (res.writeHead(200), res.write('vllm:'))],
  ])('fails a scrape within its timeout when the pod %s', async (_name, handler) => {
    const { server, address } = await listen(handler as Parameters<typeof createServer>[1]);
    const { reg, seen } = registry(address);
    const scraper = new MetricsScraper(reg, { intervalMs: 60_000, timeoutMs: 200 }, pino({ level: 'silent' }));
    scraper.scrapeAll();
    await until(() => seen.failed > 0, 3000);
    expect(seen.ok).toEqual([]);
    await scraper.stop();
    server.closeAllConnections();
    server.close();
  });
});
