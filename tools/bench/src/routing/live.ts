// The routing study on the real stack: Kafka, the services and vllm-sim pods on the llama-3-8b tables,
// driven through the gateway by a streaming client that sends each request at its (scaled) arrival
// time. Everything runs `timeScale` times slower than the model, so this machine keeps up; the figures
// are converted back to simulated time, so they compare with GPU numbers and with the simulator.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { ensureTopics, freePorts, LocalStack, startBroker, stopBroker } from '@llmd/cli';
import type { EndpointRole } from '@llmd/scoring';
import type { RoutingCounters } from './report';
import { chatMessagesOf, TextShape } from './text-prompts';
import type { WorkloadRequest } from './workloads';

export const LIVE_MODEL = 'bench/llama-3-8b';

export interface LiveConfig {
  pods: number;
  profile: string;
  /** Wall seconds per simulated second. */
  timeScale: number;
  roles?: EndpointRole[];
  /** A running broker to use; without it the run starts (and stops) its own. */
  kafkaBootstrap?: string;
  /**
   * `tokens`: /v1/completions with token ids (no tokenization anywhere); `text`: /v1/chat/completions
   * with the prompts as chat text, as a real client sends them (cache-manager tokenizes). @default tokens
   */
  prompts?: 'tokens' | 'text';
  /** How text prompts are cut into messages. @default system-user */
  textShape?: TextShape;
  log?: (line: string) => void;
}

export interface LiveOutcome {
  id: string;
  pod: string;
  ok: boolean;
  /** Simulated ms. */
  ttftMs: number;
  itlMs: number;
  outputTokens: number;
  arrivalMs: number;
  endMs: number;
}

export interface LiveResult {
  outcomes: LiveOutcome[];
  /** Simulated ms from the first arrival to the last completion. */
  durationMs: number;
  prefixQueries: number;
  prefixHits: number;
  requestsPerPod: Record<string, number>;
  wallMs: number;
  /** The services' own counters over the run: picks, precise fallbacks, fail-opens, tokenization. */
  routing: RoutingCounters;
}

/** Sum of a metric's series whose labels contain `labels` (e.g. `result="hit"`). */
async function counter(url: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if ((line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && line.includes(labels)) sum += Number(line.split(' ').pop());
  return sum;
}

/** Sums of each precise-fallback reason (`llmd_scheduler_fallbacks_total{reason=...}`). */
async function fallbackReasons(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^llmd_scheduler_fallbacks_total\{.*reason="([^"]*)".*\} (\S+)$/.exec(line);
    if (m) out[m[1]] = (out[m[1]] ?? 0) + Number(m[2]);
  }
  return out;
}

/** The counters a run's routing figures come from, read from each service's ops port. */
async function routingCounters(ops: { scheduler: string; gateway: string; cacheManager: string }): Promise<RoutingCounters> {
  return {
    picks: await counter(ops.scheduler, 'llmd_scheduler_picks_total'),
    fallbacks: await fallbackReasons(ops.scheduler),
    failOpen: await counter(ops.gateway, 'llmd_gateway_fail_open_total'),
    tokenizations: await counter(ops.cacheManager, 'llmd_cache_manager_tokenize_seconds_count'),
    tokenizeSeconds: await counter(ops.cacheManager, 'llmd_cache_manager_tokenize_seconds_sum'),
    tokenizedTokens: await counter(ops.cacheManager, 'llmd_cache_manager_tokenized_tokens_total'),
    tokenizationHits: await counter(ops.cacheManager, 'llmd_cache_manager_tokenization_cache_total', 'result="hit"'),
  };
}

function minus(a: RoutingCounters, b: RoutingCounters): RoutingCounters {
  const fallbacks: Record<string, number> = {};
  for (const k of new Set([...Object.keys(a.fallbacks), ...Object.keys(b.fallbacks)])) fallbacks[k] = (a.fallbacks[k] ?? 0) - (b.fallbacks[k] ?? 0);
  return { picks: a.picks - b.picks, fallbacks, failOpen: a.failOpen - b.failOpen, tokenizations: a.tokenizations - b.tokenizations, tokenizeSeconds: a.tokenizeSeconds - b.tokenizeSeconds, tokenizedTokens: a.tokenizedTokens - b.tokenizedTokens, tokenizationHits: a.tokenizationHits - b.tokenizationHits };
}

export async function runLive(requests: readonly WorkloadRequest[], config: LiveConfig): Promise<LiveResult> {
  const log = config.log ?? (() => undefined);
  let brokerDir: string | undefined;
  let bootstrap = config.kafkaBootstrap;
  if (!bootstrap) {
    const [port, controllerPort] = await freePorts(2);
    brokerDir = mkdtempSync(join(tmpdir(), 'llmd-bench-kafka-'));
    bootstrap = (await startBroker({ port, controllerPort, dir: brokerDir, heap: '384m' }, log)).bootstrap;
    await ensureTopics(bootstrap);
  }
  const n = config.pods;
  const [gateway, gatewayOps, scheduler, schedulerOps, cacheManager, cacheManagerOps, autoscalerOps, operatorOps, ...rest] = await freePorts(8 + n * 3);
  const sims = rest.slice(0, n);
  const simKvEvents = sims.map((_, i) => [rest[n + 2 * i], rest[n + 2 * i + 1]] as [number, number]);
  const ms = (simulated: number) => String(Math.round(simulated * config.timeScale));
  const stack = new LocalStack({
    kafkaBootstrap: bootstrap,
    ports: { gateway, gatewayOps, scheduler, schedulerOps, cacheManager, cacheManagerOps, autoscalerOps, operatorOps, sims, simKvEvents },
    model: LIVE_MODEL,
    gpuProfile: 'llama-3-8b',
    timeScale: config.timeScale,
    roles: config.roles,
    env: { OTEL_TRACES_EXPORTER: 'none', LLMD_LOG_LEVEL: 'warn' },
    // The scheduler's clocks in simulated time, as the simulator has them: a 50 ms scrape.
    schedulerEnv: { LLMD_SCHEDULER_PROFILE: config.profile, LLMD_SCHEDULER_SCRAPE_INTERVAL_MS: ms(50), LLMD_SCHEDULER_STALE_AFTER_MS: ms(2000), LLMD_SCHEDULER_FLOW_CONTROL_ENABLED: 'false' },
    simArgs: ['--max-num-seqs', '256'],
  });
  const wallStart = performance.now();
  const dispatcher = new Agent({ connections: 4096, pipelining: 1, keepAliveTimeout: 60000 });
  try {
    await stack.start();
    await stack.waitReady(120000);
    const podUrls = sims.map((p) => `http://127.0.0.1:${p}`);
    const ops = { scheduler: `http://127.0.0.1:${schedulerOps}`, gateway: `http://127.0.0.1:${gatewayOps}`, cacheManager: `http://127.0.0.1:${cacheManagerOps}` };
    const text = config.prompts === 'text';
    const before = await Promise.all(podUrls.map(async (u) => [await counter(u, 'vllm:prefix_cache_queries_total'), await counter(u, 'vllm:prefix_cache_hits_total')]));
    const routingBefore = await routingCounters(ops);
    const t0 = performance.now();
    const simNow = () => (performance.now() - t0) / config.timeScale;
    const outcomes = await Promise.all(
      requests.map(async (r): Promise<LiveOutcome> => {
        const wait = r.arrivalMs * config.timeScale - (performance.now() - t0);
        if (wait > 0) await new Promise((res) => setTimeout(res, wait));
        const start = simNow();
        const out: LiveOutcome = { id: r.id, pod: '', ok: false, ttftMs: 0, itlMs: 0, outputTokens: 0, arrivalMs: start, endMs: start };
        try {
          const body = text
            ? { model: LIVE_MODEL, messages: chatMessagesOf(r, config.textShape ?? 'system-user'), max_tokens: r.maxTokens, stream: true, ignore_eos: true }
            : { model: LIVE_MODEL, prompt: r.promptTokenIds, max_tokens: r.maxTokens, stream: true, ignore_eos: true };
          const res = await request(`${stack.gatewayUrl}${text ? '/v1/chat/completions' : '/v1/completions'}`, {
            method: 'POST',
            dispatcher,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
            headersTimeout: 0,
            bodyTimeout: 0,
          });
          out.pod = String(res.headers['x-llmd-endpoint'] ?? '');
          let first: number | undefined;
          let last = 0;
          let buffer = '';
          for await (const chunk of res.body) {
            buffer += (chunk as Buffer).toString();
            let sep: number;
            while ((sep = buffer.indexOf('\n\n')) >= 0) {
              const event = buffer.slice(0, sep);
              buffer = buffer.slice(sep + 2);
              if (!(text ? /"content":"(?!")/ : /"text":"(?!")/).test(event)) continue;
              const t = simNow();
              first ??= t;
              last = t;
              out.outputTokens++;
            }
          }
          out.ok = res.statusCode === 200 && first !== undefined;
          out.ttftMs = (first ?? simNow()) - start;
          out.itlMs = out.outputTokens > 1 && first !== undefined ? (last - first) / (out.outputTokens - 1) : 0;
        } catch (err) {
          log(`request ${r.id} failed: ${(err as Error).message}`);
        }
        out.endMs = simNow();
        return out;
      }),
    );
    const after = await Promise.all(podUrls.map(async (u) => [await counter(u, 'vllm:prefix_cache_queries_total'), await counter(u, 'vllm:prefix_cache_hits_total')]));
    const routing = minus(await routingCounters(ops), routingBefore);
    const requestsPerPod: Record<string, number> = Object.fromEntries(sims.map((_, i) => [`sim-${i}`, 0]));
    for (const o of outcomes) if (o.pod) requestsPerPod[o.pod] = (requestsPerPod[o.pod] ?? 0) + 1;
    const firstArrival = Math.min(...outcomes.map((o) => o.arrivalMs));
    return {
      outcomes,
      durationMs: Math.max(...outcomes.map((o) => o.endMs)) - firstArrival,
      prefixQueries: after.reduce((s, a, i) => s + a[0] - before[i][0], 0),
      prefixHits: after.reduce((s, a, i) => s + a[1] - before[i][1], 0),
      requestsPerPod,
      wallMs: performance.now() - wallStart,
      routing,
    };
  } finally {
    await dispatcher.close();
    await stack.stop();
    if (brokerDir) {
      await stopBroker({ dir: brokerDir });
      rmSync(brokerDir, { recursive: true, force: true });
    }
  }
}
