// The charts' Grafana dashboards and PrometheusRules, without a running stack: every dashboard is a
// well-formed Grafana model whose queries parse as PromQL (Prometheus' own grammar), every alert parses
// and carries its summary, description and runbook, and the alerts each chart renders are the ones
// chart-values.ts documents. The e2e test (tests/e2e/observability.e2e-spec.ts) checks the metrics exist.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { template } from '../../tests/support/helm';
import { allPanels, chartDashboards, dashboardQueries, exportedSeries, GrafanaDashboard, HELM_DIR, parsePromql, ruleAlerts, unexported, withGrafanaRanges } from '../../tests/support/promql-queries';
import { SERVICE_ALERTS, SERVICE_DASHBOARDS } from './chart-values';

const dashboards = chartDashboards();
const charts = Object.keys(SERVICE_DASHBOARDS);

describe('PromQL reading (the helpers the metric checks rely on)', () => {
  it.each([
    ['a plain selector', 'rate(llmd_gateway_requests_total{status=~"5.."}[5m])', ['llmd_gateway_requests_total'], 0],
    ['vLLM names with colons', 'sum by (pod) (vllm:num_requests_waiting{namespace="x"})', ['vllm:num_requests_waiting'], 0],
    ['a __name__ matcher', '{__name__="llmd_scheduler_picks_total", result="unified"}', ['llmd_scheduler_picks_total'], 0],
    ['a quoted name', '{"llmd_scheduler_picks_total"}', ['llmd_scheduler_picks_total'], 0],
    ['both sides of a binary expression', 'a_total / ignoring (tier) group_left sum(b_total)', ['a_total', 'b_total'], 0],
    ['a __name__ regex names no metric', '{__name__=~"llmd_.*"}', [], 1],
    ['a syntax error', 'sum(rate(x[5m])', ['x'], 1],
    ["Grafana's range variables are replaced first", withGrafanaRanges('rate(x_total[$__rate_interval]) + increase(y_total[$__range])'), ['x_total', 'y_total'], 0],
  ])('%s', (_name, expr, metrics, errors) => {
    const parsed = parsePromql(expr);
    expect(parsed.metrics).toEqual(metrics);
    expect(parsed.errors).toHaveLength(errors);
  });

  it.each([
    ['a histogram exports _bucket, _sum and _count, not its own name', '# TYPE h_seconds histogram', ['h_seconds_bucket', 'h_seconds_sum', 'h_seconds_count'], ['h_seconds']],
    ['a summary exports its name, _sum and _count', '# TYPE s_seconds summary', ['s_seconds', 's_seconds_sum', 's_seconds_count'], ['s_seconds_bucket']],
    ['a prom-client counter exports its _total name', '# TYPE c_total counter', ['c_total'], ['c']],
    ['an OpenMetrics counter is read with _total added', '# TYPE c counter', ['c', 'c_total'], []],
    ['a gauge with labels and no sample yet', '# HELP g x\n# TYPE g gauge', ['g'], ['g_total']],
    ['a sample without TYPE', 'vllm:num_requests_running{model_name="m"} 1', ['vllm:num_requests_running'], []],
  ])('%s', (_name, text, present, absent) => {
    const series = exportedSeries(text);
    for (const s of present) expect(series).toContain(s);
    for (const s of absent) expect(series).not.toContain(s);
  });

  it('names each queried metric nobody exports, and where it is queried', () => {
    const queries = [{ where: 'd.json panel 1', expr: 'histogram_quantile(0.9, sum by (le) (rate(h_seconds_bucket[5m]))) / g' }, { where: 'alert A', expr: 'rate(missing_total[5m]) > 0' }];
    expect(unexported(queries, exportedSeries('# TYPE h_seconds histogram\n# TYPE g gauge'))).toEqual(['alert A: missing_total']);
  });
});

describe('dashboards', () => {
  it('each chart ships the dashboards chart-values.ts lists, and nothing else', () => {
    const shipped = Object.fromEntries(charts.map((c) => [c, dashboards.filter((d) => d.chart === c).map((d) => d.file)]));
    expect(shipped).toEqual(Object.fromEntries(charts.map((c) => [c, SERVICE_DASHBOARDS[c].map((d) => `${d.name}.json`).sort()])));
  });

  it('have stable, unique uids (the file name)', () => {
    const uids = dashboards.map((d) => (JSON.parse(d.text) as GrafanaDashboard).uid);
    expect(uids).toEqual(dashboards.map((d) => d.file.replace(/\.json$/, '')));
    expect(new Set(uids).size).toBe(uids.length);
  });

  describe.each(dashboards.map((d) => [`${d.chart}/dashboards/${d.file}`, d] as const))('%s', (name, { text }) => {
    const d = JSON.parse(text) as GrafanaDashboard;
    const panels = allPanels(d);

    it('is a Grafana dashboard model with a Prometheus datasource variable and no hard-coded datasource', () => {
      expect(d.schemaVersion).toBeGreaterThanOrEqual(36);
      expect(d.templating.list.find((v) => v.name === 'datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
      const uids = [...panels.flatMap((p) => [p.datasource, ...(p.targets ?? []).map((t) => t.datasource)]), ...d.templating.list.map((v) => v.datasource)].filter((x) => x !== undefined).map((x) => x.uid);
      expect(uids.filter((u) => u !== '${datasource}')).toEqual([]);
    });

    it('has unique panel ids, and queries in every non-row panel', () => {
      const ids = panels.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(panels.filter((p) => p.type !== 'row' && !(p.targets ?? []).length).map((p) => p.title)).toEqual([]);
      expect(panels.filter((p) => !['row', 'timeseries', 'stat'].includes(p.type)).map((p) => p.type)).toEqual([]);
    });

    it('queries parse as PromQL, each naming at least one metric', () => {
      const bad = dashboardQueries(name, d).flatMap((q) => {
        const { metrics, errors } = parsePromql(q.expr);
        return [...errors, ...(metrics.length ? [] : ['no metric'])].map((e) => `${q.where}: ${e}`);
      });
      expect(bad).toEqual([]);
    });
  });
});

describe.each(charts)('%s PrometheusRule', (chart) => {
  let alerts: ReturnType<typeof ruleAlerts>;
  beforeAll(async () => {
    alerts = ruleAlerts(await template(join(HELM_DIR, chart), chart, 'monitoring-spec', [], ['--set', 'prometheusRule.enabled=true']));
  });

  it('renders the alerts chart-values.ts documents', () => {
    expect(alerts.map((a) => a.alert).sort()).toEqual(Object.keys(SERVICE_ALERTS[chart]).sort());
  });

  it('every alert parses, has a severity, a summary, a description and a runbook (what it means, how to confirm, what to do)', () => {
    const bad = alerts.flatMap((a) => {
      const problems = parsePromql(a.expr).errors;
      if (!parsePromql(a.expr).metrics.length) problems.push('no metric');
      if (!['info', 'warning', 'critical'].includes(a.labels?.severity ?? '')) problems.push('no severity');
      for (const k of ['summary', 'description', 'runbook']) if (!a.annotations?.[k]?.trim()) problems.push(`no ${k}`);
      for (const part of ['What it means', 'How to confirm', 'What to do']) if (!a.annotations?.runbook?.includes(part)) problems.push(`runbook without "${part}"`);
      return problems.map((p) => `${a.alert}: ${p}`);
    });
    expect(bad).toEqual([]);
  });

  it('selects only its own release (namespace and job) in every selector', () => {
    const selectors = alerts.flatMap((a) => a.expr.match(/[a-z_:]+\{[^}]*\}/g) ?? []);
    expect(selectors.length).toBeGreaterThan(0);
    expect(selectors.filter((s) => !s.includes('namespace="monitoring-spec"') || !s.includes(`job="${chart}"`))).toEqual([]);
  });

  it('the ConfigMap holds every dashboard JSON of the chart, verbatim', async () => {
    const objects = await template(join(HELM_DIR, chart), chart, 'monitoring-spec', [], ['--set', 'grafanaDashboard.enabled=true']);
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === `${chart}-dashboards`) as { metadata: { labels: Record<string, string> }; data: Record<string, string> } | undefined;
    expect(cm?.metadata.labels.grafana_dashboard).toBe('1');
    const files = readdirSync(join(HELM_DIR, chart, 'dashboards')).sort();
    expect(Object.keys(cm?.data ?? {}).sort()).toEqual(files);
    for (const d of dashboards.filter((x) => x.chart === chart)) expect(cm?.data[d.file]).toBe(d.text);
  });
});
