// What the charts' dashboards and alerts query, read with Prometheus' own PromQL grammar (lezer-promql),
// and what a service's /metrics exports: the tests compare the two so that no panel or alert queries a
// metric nobody exports.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import type { K8sObject } from './helm';

export const HELM_DIR = join(__dirname, '..', '..', 'deploy', 'helm');

/** One PromQL expression and where it comes from (for failure messages). */
export interface Query {
  where: string;
  expr: string;
}

export interface ParsedQuery {
  /** Metric names of every vector selector: `name{...}`, `{__name__="name"}`, `{"name"}`. */
  metrics: string[];
  /** Syntax errors (the grammar's error nodes) and selectors whose metric name cannot be known. */
  errors: string[];
}

/** Grafana's range variables are not PromQL: put a duration in their place, as Grafana does before it queries. */
export function withGrafanaRanges(expr: string): string {
  return expr.replace(/\$\{?__(rate_interval|interval|range)(_ms|_s)?\}?/g, '5m');
}

const unquote = (s: string) => JSON.parse(s.startsWith("'") ? `"${s.slice(1, -1).replace(/"/g, '\\"')}"` : s) as string;

export function parsePromql(expr: string): ParsedQuery {
  const tree = parser.parse(expr);
  const metrics: string[] = [];
  const errors: string[] = [];
  tree.iterate({
    enter: (node) => {
      if (node.type.isError) {
        errors.push(`syntax error at ${node.from}: ${JSON.stringify(expr.slice(Math.max(0, node.from - 20), node.to + 20))}`);
        return;
      }
      if (node.name !== 'VectorSelector') return;
      const text = (n: { from: number; to: number } | null) => (n ? expr.slice(n.from, n.to) : '');
      const id = node.node.getChild('Identifier');
      if (id) return void metrics.push(text(id));
      const matchers = node.node.getChild('LabelMatchers');
      const quoted = matchers?.getChild('QuotedLabelName');
      if (quoted) return void metrics.push(unquote(text(quoted.getChild('StringLiteral'))));
      for (const m of matchers?.getChildren('UnquotedLabelMatcher') ?? []) {
        if (text(m.getChild('LabelName')) !== '__name__') continue;
        if (text(m.getChild('MatchOp')) !== '=') return void errors.push(`${text(node)}: a __name__ matcher other than = names no one metric`);
        return void metrics.push(unquote(text(m.getChild('StringLiteral'))));
      }
      errors.push(`${text(node)}: a selector without a metric name`);
    },
  });
  return { metrics, errors };
}

export interface GrafanaPanel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: { expr?: string; refId?: string; datasource?: { type?: string; uid?: string } }[];
  panels?: GrafanaPanel[];
}

export interface GrafanaDashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: GrafanaPanel[];
  templating: { list: { name: string; type: string; query?: string | { query?: string }; datasource?: { type?: string; uid?: string } }[] };
}

/** Every dashboard JSON a chart ships: chart name, file, text. */
export function chartDashboards(helmDir = HELM_DIR): { chart: string; file: string; text: string }[] {
  return readdirSync(helmDir)
    .sort()
    .flatMap((chart) => {
      let files: string[];
      try {
        files = readdirSync(join(helmDir, chart, 'dashboards')).filter((f) => f.endsWith('.json')).sort();
      } catch {
        return [];
      }
      return files.map((file) => ({ chart, file, text: readFileSync(join(helmDir, chart, 'dashboards', file), 'utf8') }));
    });
}

/** Every panel, those inside collapsed rows included. */
export function allPanels(d: Pick<GrafanaDashboard, 'panels'>): GrafanaPanel[] {
  return d.panels.flatMap((p) => [p, ...allPanels({ panels: p.panels ?? [] })]);
}

/** The PromQL of a dashboard: every target, and the selector of every `label_values(...)` / `query_result(...)` variable. */
export function dashboardQueries(file: string, d: GrafanaDashboard): Query[] {
  const out: Query[] = [];
  for (const p of allPanels(d)) for (const t of p.targets ?? []) if (t.expr !== undefined) out.push({ where: `${file} panel ${p.id} "${p.title}" ${t.refId ?? ''}`.trim(), expr: withGrafanaRanges(t.expr) });
  for (const v of d.templating.list) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : v.query?.query ?? '';
    const m = /^\s*(label_values|query_result)\((.*)\)\s*$/s.exec(q);
    if (!m) continue;
    // label_values(selector, label): the selector is everything before the last comma.
    const expr = m[1] === 'label_values' && m[2].includes(',') ? m[2].slice(0, m[2].lastIndexOf(',')) : m[2];
    out.push({ where: `${file} variable $${v.name}`, expr: withGrafanaRanges(expr) });
  }
  return out;
}

export interface RuleAlert {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The alerts of every PrometheusRule among rendered objects. */
export function ruleAlerts(objects: K8sObject[]): RuleAlert[] {
  return objects
    .filter((o) => o.kind === 'PrometheusRule')
    .flatMap((o) => ((o.spec as { groups?: { rules?: RuleAlert[] }[] }).groups ?? []).flatMap((g) => g.rules ?? []))
    .filter((r) => typeof r.alert === 'string');
}

/**
 * The series names a Prometheus text exposition holds, from its `# TYPE` lines (a metric with labels
 * and no sample yet is still exported): a histogram's `_bucket`, `_sum`, `_count`; a summary's own
 * name, `_sum`, `_count`; a counter under its name (prom-client's end in `_total`) and, as Prometheus
 * reads an OpenMetrics counter, with `_total` added; gauges and untyped under their name. Sample lines
 * without a TYPE line count too.
 */
export function exportedSeries(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      const [, name, kind] = type;
      if (kind === 'histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(name + s);
      else if (kind === 'summary') for (const s of ['', '_sum', '_count']) out.add(name + s);
      else if (kind === 'counter') out.add(name).add(name.endsWith('_total') ? name : `${name}_total`);
      else out.add(name);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (sample) out.add(sample[1]);
  }
  return out;
}

/** Each query's metrics that `exported` lacks, as `where: metric`. */
export function unexported(queries: Query[], exported: Set<string>): string[] {
  return queries.flatMap((q) => parsePromql(q.expr).metrics.filter((m) => !exported.has(m)).map((m) => `${q.where}: ${m}`));
}
