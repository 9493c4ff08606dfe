// Every chart under deploy/helm, with the real helm CLI and a real kube-apiserver: `helm lint --strict`
// passes, `helm template` renders, and the real apiserver accepts every rendered object in a
// server-side dry run (schemas of the built-in kinds and of the CRDs, admission, strict field
// validation) — with the chart's default values and with each values file of its ci/ folder (Helm's
// convention for the values a chart is tested with). The llm-d.io CRDs of deploy/crds (and the
// InferencePool CRD that tools/k8s/build.sh copies, when present) are installed first so custom
// resources validate. A throwaway chart made in a temporary folder proves the harness itself (a lint
// finding, an unknown field and a missing CRD each fail; install and uninstall against the apiserver),
// so the file tests something before any chart exists.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { helm, install, lint, releaseManifest, template, uninstall } from '../support/helm';
import { dryRunAll, installCrds, readManifests } from '../support/kube-apply';
import { startKubeApiServer, KubeApiServer } from '../support/kube-apiserver';

const ROOT = join(__dirname, '..', '..');
const HELM_DIR = join(ROOT, 'deploy', 'helm');
const CHARTS = existsSync(HELM_DIR)
  ? readdirSync(HELM_DIR)
      .filter((d) => existsSync(join(HELM_DIR, d, 'Chart.yaml')))
      .sort()
      .map((d) => join(HELM_DIR, d))
  : [];

/** The default values, then each ci/*.yaml (or .yml) values file of the chart. */
function scenarios(chartDir: string): { name: string; values: string[] }[] {
  const ci = join(chartDir, 'ci');
  const files = existsSync(ci) ? readdirSync(ci).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
  return [{ name: 'default values', values: [] }, ...files.map((f) => ({ name: `ci/${f}`, values: [join(ci, f)] }))];
}

/** A release name and namespace per chart: the chart's folder name. */
const releaseOf = (chartDir: string) => basename(chartDir);

/** A tiny chart, written into dir: a ConfigMap and a Deployment, values that change them, a ci/ values file. */
function writeHarnessChart(dir: string, extraTemplates: Record<string, string> = {}): string {
  mkdirSync(join(dir, 'templates'), { recursive: true });
  mkdirSync(join(dir, 'ci'), { recursive: true });
  writeFileSync(join(dir, 'Chart.yaml'), ['apiVersion: v2', 'name: harness', 'description: A throwaway chart for the Helm test harness', 'type: application', 'version: 0.1.0', 'appVersion: "0.1.0"', 'icon: https://example.invalid/icon.png', ''].join('\n'));
  writeFileSync(join(dir, 'values.yaml'), ['# Replicas of the Deployment.', 'replicas: 1', '# The greeting in the ConfigMap.', 'greeting: hello', ''].join('\n'));
  writeFileSync(join(dir, 'ci', 'two-replicas-values.yaml'), ['replicas: 2', 'greeting: hi', ''].join('\n'));
  writeFileSync(
    join(dir, 'templates', 'configmap.yaml'),
    ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: {{ .Release.Name }}-greeting', '  labels:', '    app.kubernetes.io/name: {{ .Chart.Name }}', 'data:', '  greeting: {{ .Values.greeting | quote }}', ''].join('\n'),
  );
  writeFileSync(
    join(dir, 'templates', 'deployment.yaml'),
    [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: {{ .Release.Name }}',
      'spec:',
      '  replicas: {{ .Values.replicas }}',
      '  selector: {matchLabels: {app.kubernetes.io/instance: {{ .Release.Name }}}}',
      '  template:',
      '    metadata: {labels: {app.kubernetes.io/instance: {{ .Release.Name }}}}',
      '    spec:',
      '      containers:',
      '        - name: main',
      '          image: "llmd-harness:{{ .Chart.AppVersion }}"',
      '          envFrom: [{configMapRef: {name: {{ .Release.Name }}-greeting}}]',
      '',
    ].join('\n'),
  );
  for (const [file, text] of Object.entries(extraTemplates)) writeFileSync(join(dir, 'templates', file), text);
  return dir;
}

describe('Helm charts (real helm, real kube-apiserver)', () => {
  let kube: KubeApiServer;
  const tmp = mkdtempSync(join(tmpdir(), 'llmd-helm-e2e-'));

  beforeAll(async () => {
    kube = await startKubeApiServer();
    const crds = [...readManifests(join(ROOT, 'deploy', 'crds'))];
    const copied = join(ROOT, '.llmd', 'k8s', 'crds');
    if (existsSync(copied)) crds.push(...readManifests(copied));
    await installCrds(kube, crds);
  });

  afterAll(async () => {
    await kube?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** lint --strict, template, and the server-side dry run of every object, for one chart and values files. */
  async function check(chartDir: string, values: string[]): Promise<void> {
    const release = releaseOf(chartDir);
    await lint(chartDir, values);
    const objects = await template(chartDir, release, release, values);
    expect(objects.length).toBeGreaterThan(0);
    for (const o of objects) expect(typeof o.apiVersion === 'string' && typeof o.kind === 'string' && typeof o.metadata === 'object').toBe(true);
    expect(await dryRunAll(kube, objects, release)).toEqual([]);
  }

  describe('the harness, on a throwaway chart', () => {
    it.each(['default values', 'ci/two-replicas-values.yaml'])('lint --strict, template and server-side dry run: %s', async (scenario) => {
      const chart = writeHarnessChart(join(tmp, 'harness'));
      const found = scenarios(chart).find((s) => s.name === scenario)!;
      expect(found).toBeDefined();
      await check(chart, found.values);
      const objects = await template(chart, 'harness', 'harness', found.values);
      expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ConfigMap/harness-greeting', 'Deployment/harness']);
      expect((objects[1].spec as { replicas: number }).replicas).toBe(scenario === 'default values' ? 1 : 2);
    });

    it('fails on a lint finding, an unknown field and a kind that is not served', async () => {
      // A lint WARNING (an object name Kubernetes refuses) fails only because of --strict.
      const badLint = writeHarnessChart(join(tmp, 'bad-lint'), { 'extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\n' });
      expect((await helm(['lint', badLint])).code).toBe(0);
      await expect(lint(badLint)).rejects.toThrow(/\[WARNING\] templates\/extra\.yaml: object name does not conform/);

      const unknownField = writeHarnessChart(join(tmp, 'unknown-field'), {
        'service.yaml': ['apiVersion: v1', 'kind: Service', 'metadata: {name: svc}', 'spec:', '  ports: [{port: 80}]', '  portz: 1', ''].join('\n'),
      });
      const objects = await template(unknownField, 'unknown-field', 'unknown-field');
      expect(await dryRunAll(kube, objects, 'unknown-field')).toEqual([expect.stringMatching(/^Service svc: .*\.spec\.portz: field not declared in schema/)]);

      const invalid = await template(writeHarnessChart(join(tmp, 'invalid'), { 'pdb.yaml': 'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: pdb}\nspec: {minAvailable: -1}\n' }), 'invalid', 'invalid');
      expect(await dryRunAll(kube, invalid, 'invalid')).toEqual([expect.stringMatching(/^PodDisruptionBudget pdb: .*minAvailable/)]);

      const noCrd = await template(
        writeHarnessChart(join(tmp, 'no-crd'), { 'monitor.yaml': 'apiVersion: example.invalid/v1\nkind: Widget\nmetadata: {name: w}\nspec: {}\n' }),
        'no-crd',
        'no-crd',
      );
      expect(await dryRunAll(kube, noCrd, 'no-crd')).toEqual([expect.stringMatching(/^Widget w: .*not served.*CRD/)]);
    });

    it('renders the llm-d.io kinds against the installed CRDs, and refuses an invalid one', async () => {
      const chart = writeHarnessChart(join(tmp, 'custom'), {
        'llmd.yaml': 'apiVersion: llm-d.io/v1alpha1\nkind: LLMDeployment\nmetadata: {name: m}\nspec: {model: {name: m}}\n',
        'bad.yaml': 'apiVersion: llm-d.io/v1alpha1\nkind: LLMDeployment\nmetadata: {name: bad}\nspec: {model: {name: m}, serving: {mode: sideways}}\n',
      });
      const refused = await dryRunAll(kube, await template(chart, 'custom', 'custom'), 'custom');
      expect(refused).toEqual([expect.stringMatching(/^LLMDeployment bad: .*spec\.serving\.mode/)]);
    });

    it('installs into the real apiserver, and uninstall leaves nothing of the release behind', async () => {
      const chart = writeHarnessChart(join(tmp, 'installed'));
      await install(chart, 'harness', 'harness-install', { kubeconfig: kube.kubeconfig, valuesFiles: [join(chart, 'ci', 'two-replicas-values.yaml')] });
      const deployment = (await kube.request('GET', '/apis/apps/v1/namespaces/harness-install/deployments/harness')) as { spec: { replicas: number }; metadata: { annotations: Record<string, string> } };
      expect(deployment.spec.replicas).toBe(2);
      expect(deployment.metadata.annotations['meta.helm.sh/release-name']).toBe('harness');
      expect((await releaseManifest('harness', 'harness-install', { kubeconfig: kube.kubeconfig })).map((o) => o.kind)).toEqual(['ConfigMap', 'Deployment']);
      const list = await helm(['list', '--namespace', 'harness-install', '--output', 'json'], { kubeconfig: kube.kubeconfig });
      expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name: 'harness', status: 'deployed', chart: 'harness-0.1.0' })]);

      await uninstall('harness', 'harness-install', { kubeconfig: kube.kubeconfig });
      await expect(kube.request('GET', '/apis/apps/v1/namespaces/harness-install/deployments/harness')).rejects.toThrow(/404/);
      await expect(kube.request('GET', '/api/v1/namespaces/harness-install/configmaps/harness-greeting')).rejects.toThrow(/404/);
      // Helm's release records (Secrets of type helm.sh/release.v1) go too.
      const secrets = (await kube.request('GET', '/api/v1/namespaces/harness-install/secrets')) as { items: unknown[] };
      expect(secrets.items).toEqual([]);
    });

    it('reaches no network and no cluster of the developer', async () => {
      const r = await helm(['repo', 'list']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/no repositories/);
      const pull = await helm(['pull', 'oci://registry.invalid/charts/x', '--version', '1.0.0', '--destination', tmp]);
      expect(pull.code).not.toBe(0);
      const status = await helm(['list']);
      expect(status.code).not.toBe(0);
    });
  });

  for (const chartDir of CHARTS) {
    describe(`deploy/helm/${basename(chartDir)}`, () => {
      it.each(scenarios(chartDir))('lint --strict, template and server-side dry run: $name', async ({ values }) => {
        await check(chartDir, values);
      });
    });
  }
});
