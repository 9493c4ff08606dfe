// Every metric the charts' Grafana dashboards and PrometheusRules query is one the service behind them
// exports: the whole stack runs (vllm-sim pods, scheduler, cache-manager, autoscaler, gateway), takes
// some traffic, and each service's /metrics is read; every PromQL expression of every dashboard JSON and
// of every alert `helm template` renders is parsed with Prometheus' own grammar, and each metric name it
// selects must be among the series its service exports (histograms as _bucket/_sum/_count).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { LocalStack } from '@llmd/cli';
import { template } from '../support/helm';
import { chartDashboards, dashboardQueries, exportedSeries, GrafanaDashboard, HELM_DIR, parsePromql, Query, ruleAlerts, unexported } from '../support/promql-queries';
import { E2E_MODEL, startTestStack } from '../support/test-stack';
import { until } from '../support/until';

/** Whose /metrics each dashboard reads: the chart's service, and for the pools dashboard the model servers. */
const DASHBOARD_SOURCE: Record<string, Source> = {
  'llmd-gateway.json': 'gateway',
  'llmd-scheduler.json': 'scheduler',
  'llmd-pools.json': 'pods',
  'llmd-cache-manager.json': 'cache-manager',
  'llmd-autoscaler.json': 'autoscaler',
};
type Source = 'gateway' | 'scheduler' | 'cache-manager' | 'autoscaler' | 'pods';
const CHARTS: Exclude<Source, 'pods'>[] = ['gateway', 'scheduler', 'cache-manager', 'autoscaler'];

describe('observability: dashboards and alerts query only exported metrics (full stack)', () => {
  let stack: LocalStack;
  let client: OpenAI;
  const exported = new Map<Source, Set<string>>();

  const scrape = async (port: number) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  // The registries add a `service` label to every series.
  const gaugeValue = async (port: number, name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(await scrape(port))?.[1] ?? NaN);

  beforeAll(async () => {
    stack = await startTestStack(2);
    client = new OpenAI({ baseURL: `${stack.gatewayUrl}/v1`, apiKey: 'unused-locally', maxRetries: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('the gateway counts a stream in flight until it ends', async () => {
    const ops = stack.options.ports.gatewayOps;
    const res = await fetch(`${stack.gatewayUrl}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: E2E_MODEL, prompt: 'count while I stream', max_tokens: 20000, ignore_eos: true, stream: true }),
    });
    const reader = res.body!.getReader();
    await reader.read();
    expect(await gaugeValue(ops, 'llmd_gateway_requests_in_flight')).toBe(1);
    await reader.cancel();
    await until(async () => (await gaugeValue(ops, 'llmd_gateway_requests_in_flight')) === 0, 10000);
  });

  it('every service exports its metrics after traffic (streamed and not, chat and completions)', async () => {
    for (let i = 0; i < 4; i++) {
      const stream = await client.chat.completions.create({ model: E2E_MODEL, messages: [{ role: 'user', content: `a shared prefix for the cache, then request ${i}` }], max_tokens: 4, stream: true });
      for await (const chunk of stream) void chunk;
      const done = await client.completions.create({ model: E2E_MODEL, prompt: `a shared prefix for the cache, then prompt ${i}`, max_tokens: 2 });
      expect(done.choices).toHaveLength(1);
    }
    const { ports } = stack.options;
    // The gateway's histograms have seen the streams (its request records are written as they end).
    await until(async () => /^llmd_gateway_ttft_seconds_count\{[^}]*\} [1-9]/m.test(await scrape(ports.gatewayOps)), 10000);
    const pods = new Set<string>();
    for (const port of ports.sims) for (const s of exportedSeries(await scrape(port))) pods.add(s);
    exported.set('pods', pods);
    exported.set('gateway', exportedSeries(await scrape(ports.gatewayOps)));
    exported.set('scheduler', exportedSeries(await scrape(ports.schedulerOps)));
    exported.set('cache-manager', exportedSeries(await scrape(ports.cacheManagerOps)));
    exported.set('autoscaler', exportedSeries(await scrape(ports.autoscalerOps)));
    for (const [source, series] of exported) expect(`${source}: ${series.size > 10}`).toBe(`${source}: true`);
    // Decisions by profile: the stack's one profile ran and picked.
    expect(await scrape(ports.schedulerOps)).toMatch(/^llmd_scheduler_profile_runs_total\{(?=[^}]*profile="default")(?=[^}]*result="picked")[^}]*\} [1-9]/m);
  });

  it("the gateway chart's values schema offers exactly the gateway's TTFT bucket bounds as TTFT targets (the burn rate reads one le bucket)", async () => {
    const text = await scrape(stack.options.ports.gatewayOps);
    const bounds = new Set([...text.matchAll(/^llmd_gateway_ttft_seconds_bucket\{[^}]*le="([^"]+)"/gm)].map((m) => m[1]));
    type Schema = { properties: Record<string, Schema>; enum?: string[] };
    const schema = JSON.parse(readFileSync(join(HELM_DIR, 'gateway', 'values.schema.json'), 'utf8')) as Schema;
    const byValue = (list: string[]) => [...list].sort((a, b) => Number(a) - Number(b));
    expect(byValue([...bounds].filter((b) => b !== '+Inf'))).toEqual(byValue(schema.properties.prometheusRule.properties.ttftSlo.properties.targetSeconds.enum ?? []));
  });

  it('every metric a dashboard queries (panels and variables) is exported by the service behind it', () => {
    const dashboards = chartDashboards();
    expect(dashboards.map((d) => d.file).sort()).toEqual(Object.keys(DASHBOARD_SOURCE).sort());
    const missing = dashboards.flatMap((d) => {
      const source = DASHBOARD_SOURCE[d.file];
      const queries = dashboardQueries(`${d.chart}/dashboards/${d.file}`, JSON.parse(d.text) as GrafanaDashboard);
      expect(queries.length).toBeGreaterThan(0);
      return unexported(queries, exported.get(source)!).map((m) => `${m} (not exported by ${source})`);
    });
    expect(missing).toEqual([]);
  });

  it.each(CHARTS)('every metric the %s chart\'s alerts query is exported by it', async (chart) => {
    const objects = await template(join(HELM_DIR, chart), chart, 'observability-e2e', [], ['--set', 'prometheusRule.enabled=true']);
    const queries: Query[] = ruleAlerts(objects).map((a) => ({ where: `${chart} alert ${a.alert}`, expr: a.expr }));
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.flatMap((q) => parsePromql(q.expr).errors)).toEqual([]);
    expect(unexported(queries, exported.get(chart)!).map((m) => `${m} (not exported by ${chart})`)).toEqual([]);
  });
});
