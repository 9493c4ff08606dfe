// The committed generated files of deploy/helm are what the zod schemas and deploy/crds generate today
// (npm run helm:gen), and every values file a chart ships is a config its service would start with.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { crdTemplate, HELM_DIR, helmFiles } from './chart-files';
import { readInputs } from './main';
import { CHART_SERVICES } from './services';
import { valuesSchema } from './values-schema';

const root = join(__dirname, '..', '..');
/** Objects that are free-form where they come from: vLLM's kv_connector_extra_config is each connector's own. */
const DELIBERATELY_OPEN = ['kv_connector_extra_config'];
const { crds, version } = readInputs(root);

function merge(base: unknown, over: unknown): unknown {
  if (typeof base !== 'object' || base === null || Array.isArray(base) || typeof over !== 'object' || over === null || Array.isArray(over)) return over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? merge(out[k], v) : v;
  return out;
}

describe('helm-gen', () => {
  it.each(helmFiles(crds, version).map((f) => [f.path, f.text]))('%s is current (npm run helm:gen)', (path, text) => {
    expect(`${path}:\n${readFileSync(join(root, path), 'utf8')}`).toBe(`${path}:\n${text}`);
  });

  it('llmd-crds holds one template per CRD of deploy/crds', () => {
    const templates = readdirSync(join(root, HELM_DIR, 'llmd-crds', 'templates')).filter((f) => f.endsWith('.yaml')).sort();
    expect(templates).toEqual(crds.map((c) => c.name).sort());
  });

  it('refuses a CRD whose text Helm would read as a template', () => {
    expect(() => crdTemplate({ name: 'x.yaml', text: 'metadata:\n  name: x\n  labels:\n    app.kubernetes.io/part-of: llmd\ndescription: "{{ x }}"\n' })).toThrow(/Helm would read/);
  });

  describe.each(CHART_SERVICES.map((s) => [s.name, s] as const))('%s', (name, service) => {
    const dir = join(root, HELM_DIR, name);
    const values = parse(readFileSync(join(dir, 'values.yaml'), 'utf8')) as Record<string, unknown>;
    const scenarios = existsSync(join(dir, 'ci')) ? readdirSync(join(dir, 'ci')).filter((f) => f.endsWith('.yaml')) : [];

    it("values.yaml's chart keys are valid", () => {
      const { config: _config, ...chart } = values;
      expect(service.chartSchema.safeParse(chart).error?.issues).toBeUndefined();
    });

    it.each([['values.yaml', {}], ...scenarios.map((f) => [`ci/${f}`, parse(readFileSync(join(dir, 'ci', f), 'utf8')) as Record<string, unknown>])])('%s gives a config the service starts with', (_file, over) => {
      const config = merge(values.config, (over as Record<string, unknown>).config ?? {});
      expect(service.configSchema.safeParse(config).error?.issues).toBeUndefined();
    });

    it('ships its ci/ha.yaml scenario with the replicas it declares', () => {
      if (service.haReplicas === undefined) return expect(scenarios).not.toContain('ha.yaml');
      expect(scenarios).toContain('ha.yaml');
      expect(parse(readFileSync(join(dir, 'ci', 'ha.yaml'), 'utf8')).replicaCount).toBe(service.haReplicas);
    });

    it('the values schema closes every object (a misspelt key is refused) and has no process-dependent default', () => {
      const text = JSON.stringify(valuesSchema(service));
      expect(text).not.toMatch(new RegExp(`"default":"[^"]*${process.pid}`));
      const open: string[] = [];
      const walk = (node: unknown, path: string): void => {
        if (typeof node !== 'object' || node === null) return;
        const n = node as Record<string, unknown>;
        if (n.type === 'object' && n.properties && n.additionalProperties !== false && !DELIBERATELY_OPEN.some((k) => path.endsWith(`/${k}`))) open.push(path);
        for (const [k, v] of Object.entries(n)) if (k !== 'default') walk(v, `${path}/${k}`);
      };
      walk(valuesSchema(service), '');
      expect(open).toEqual([]);
    });
  });
});
