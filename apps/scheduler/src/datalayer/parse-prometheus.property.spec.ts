// The scrape parser fed arbitrary text and near-valid exposition: it never throws and always answers
// loads a scorer can use (finite, non-negative, KV usage within [0, 1]).
import { Readable } from 'node:stream';
import { forAll, Gen } from '@llmd/platform/testing';
import { readCapped } from './metrics-scraper';
import { MetricsFormat, parseVllmLoad, ScrapedLoad } from './parse-prometheus';

const NAMES = ['vllm:num_requests_waiting', 'vllm:num_requests_running', 'vllm:kv_cache_usage_perc', 'vllm:prefix_cache_hits_total', 'vllm:lora_requests_info', 'sglang:num_queue_reqs', 'sglang:token_usage', 'other_metric'];
const VALUES = ['1', '0', '-5', '1e308', '1e400', 'NaN', '+Inf', '-Inf', '0x10', '', ' ', '3.5 1712345678', 'abc'];

/** A line of exposition, well-formed or not. */
function line(g: Gen): string {
  const labels = g.bool(0.6) ? `{${g.array(3, (x) => `${x.pick(['model_name', 'running_lora_adapters', 'waiting_lora_adapters', 'max_lora', x.string(4)])}="${x.string(6)}"`).join(',')}${g.bool(0.1) ? '' : '}'}` : '';
  return g.pick<() => string>([
    () => `${g.pick(NAMES)}${labels} ${g.pick(VALUES)}`,
    () => `# HELP ${g.pick(NAMES)} ${g.string(8)}`,
    () => `# TYPE ${g.pick(NAMES)} gauge`,
    () => g.string(24),
  ])();
}

function sane(load: ScrapedLoad): void {
  for (const v of [load.waiting, load.running, ...Object.values(load.counters)]) {
    expect(Number.isFinite(v) && v >= 0).toBe(true);
  }
  expect(load.kvCacheUsage >= 0 && load.kvCacheUsage <= 1).toBe(true);
  if (load.lora) expect(Number.isFinite(load.lora.max) && load.lora.max >= 0).toBe(true);
}

describe('parseVllmLoad on arbitrary text', () => {
  it.each<[string, (g: Gen) => string]>([
    ['random text', (g) => g.string(200)],
    ['random bytes as text', (g) => g.bytes(200).toString('utf8')],
    ['near-valid exposition', (g) => g.array(30, line).join(g.pick(['\n', '\r\n', '\n\n']))],
  ])('%s: never throws, always usable loads', (_name, generate) => {
    forAll(
      (g) => ({ text: generate(g), format: g.pick<MetricsFormat>(['vllm', 'sglang']) }),
      ({ text, format }) => sane(parseVllmLoad(text, format)),
    );
  });
});

describe('readCapped', () => {
  it('reads a body within the cap', async () => {
    await expect(readCapped(Readable.from([Buffer.from('a 1\n'), Buffer.from('b 2\n')]), 8)).resolves.toBe('a 1\nb 2\n');
  });

  it('stops reading an endless body at the cap with an error', async () => {
    let served = 0;
    async function* endless(): AsyncGenerator<Buffer> {
      // Bounded only so a broken cap fails the test instead of hanging it.
      for (let i = 0; i < 10000; i++) {
        served++;
        yield Buffer.alloc(100, 0x61);
      }
    }
    await expect(readCapped(endless(), 1000)).rejects.toThrow(/over 1000 bytes/);
    expect(served).toBeLessThanOrEqual(11);
  });
});
