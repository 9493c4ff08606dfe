// The real helm CLI (v3, built from the Go module proxy by tools/k8s/build.sh into .llmd/k8s/bin),
// run the way a user runs it, but isolated: its cache, config and data homes are a temporary folder of
// this process (no repositories, no registry logins, no plugins of the developer's), it reaches no
// network (HTTP(S) proxies point at a closed loopback port, so a chart that would fetch a dependency or
// a repository index fails at once instead of downloading), and it talks only to the kubeconfig it is
// given (never ~/.kube/config).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const HELM_BIN = join(__dirname, '..', '..', '.llmd', 'k8s', 'bin', 'helm');

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface HelmOptions {
  /** The cluster helm talks to (install, uninstall, status, …); without it helm has none. */
  kubeconfig?: string;
}

/** A rendered Kubernetes object, as helm template prints it. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; generateName?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
};

let home: string | undefined;
/** This process's helm homes, made on first use and removed when the process exits. */
function helmHome(): string {
  if (home) return home;
  const dir = mkdtempSync(join(tmpdir(), 'llmd-helm-'));
  for (const sub of ['cache', 'config', 'data']) mkdirSync(join(dir, sub));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  home = dir;
  return dir;
}

export function helmEnv(kubeconfig: string | undefined): NodeJS.ProcessEnv {
  const dir = helmHome();
  const env: NodeJS.ProcessEnv = {};
  // Only what a process needs to run; nothing of the developer's helm or kubectl setup.
  for (const key of ['PATH', 'TMPDIR', 'LANG', 'TZ']) if (process.env[key] !== undefined) env[key] = process.env[key];
  const closed = 'http://127.0.0.1:9';
  return {
    ...env,
    HOME: dir,
    HELM_CACHE_HOME: join(dir, 'cache'),
    HELM_CONFIG_HOME: join(dir, 'config'),
    HELM_DATA_HOME: join(dir, 'data'),
    HELM_PLUGINS: join(dir, 'data', 'plugins'),
    HELM_REGISTRY_CONFIG: join(dir, 'config', 'registry', 'config.json'),
    HELM_REPOSITORY_CONFIG: join(dir, 'config', 'repositories.yaml'),
    HELM_REPOSITORY_CACHE: join(dir, 'cache', 'repository'),
    // A file that does not exist when there is no cluster: helm then has none rather than ~/.kube/config.
    KUBECONFIG: kubeconfig ?? join(dir, 'no-kubeconfig'),
    HTTP_PROXY: closed,
    HTTPS_PROXY: closed,
    http_proxy: closed,
    https_proxy: closed,
    // The test's apiserver is on loopback (Go never proxies loopback anyway; this says so).
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
  };
}

/** Runs helm with these arguments; never throws for a non-zero exit (see code). */
export function helm(args: string[], options: HelmOptions = {}): Promise<HelmResult> {
  if (!existsSync(HELM_BIN)) throw new Error(`${HELM_BIN} is missing: run bash tools/k8s/build.sh`);
  return new Promise((resolve, reject) => {
    const child = spawn(HELM_BIN, args, { env: helmEnv(options.kubeconfig), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.once('error', reject);
    child.once('close', (code, signal) =>
      resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
  });
}

/** Runs helm and throws, with its output, unless it exits 0. */
export async function helmOk(args: string[], options: HelmOptions = {}): Promise<HelmResult> {
  const r = await helm(args, options);
  if (r.code !== 0) throw new Error(`helm ${args.join(' ')} exited ${r.code}:\n${r.stdout}${r.stderr}`);
  return r;
}

const valuesArgs = (valuesFiles: string[]) => valuesFiles.flatMap((f) => ['--values', f]);

/** `helm lint --strict` (warnings fail too) with these values files; throws with helm's findings. */
export async function lint(chartDir: string, valuesFiles: string[] = [], extraArgs: string[] = []): Promise<HelmResult> {
  return helmOk(['lint', '--strict', ...valuesArgs(valuesFiles), ...extraArgs, chartDir]);
}

/**
 * `helm template` of a release in a namespace (CRDs of the chart's crds/ folder included, as install
 * applies them), parsed: one object per non-empty YAML document, in helm's order. Throws when helm fails
 * or when a document is not valid YAML. Offline: .Capabilities are helm's defaults unless extraArgs
 * say otherwise (--api-versions, --kube-version).
 */
export async function template(chartDir: string, release: string, namespace: string, valuesFiles: string[] = [], extraArgs: string[] = []): Promise<K8sObject[]> {
  const r = await helmOk(['template', release, chartDir, '--namespace', namespace, '--include-crds', ...valuesArgs(valuesFiles), ...extraArgs]);
  return parseManifests(r.stdout);
}

/** The objects of a multi-document YAML stream (empty documents dropped); throws on a YAML error. */
export function parseManifests(text: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`invalid YAML in helm's output: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as K8sObject | null;
    if (value !== null && value !== undefined) objects.push(value);
  }
  return objects;
}

export interface InstallOptions {
  kubeconfig: string;
  valuesFiles?: string[];
  /** More helm arguments, e.g. ['--set', 'replicas=2'] or ['--wait'] (nothing runs pods here: --wait on a Deployment never ends). */
  args?: string[];
}

/** `helm install` into the namespace (created when missing); throws with helm's output on failure. */
export async function install(chartDir: string, release: string, namespace: string, options: InstallOptions): Promise<HelmResult> {
  return helmOk(
    ['install', release, chartDir, '--namespace', namespace, '--create-namespace', ...valuesArgs(options.valuesFiles ?? []), ...(options.args ?? [])],
    { kubeconfig: options.kubeconfig },
  );
}

/** `helm upgrade --install`, for a second revision of a release. */
export async function upgrade(chartDir: string, release: string, namespace: string, options: InstallOptions): Promise<HelmResult> {
  return helmOk(['upgrade', '--install', release, chartDir, '--namespace', namespace, ...valuesArgs(options.valuesFiles ?? []), ...(options.args ?? [])], {
    kubeconfig: options.kubeconfig,
  });
}

/** `helm uninstall`; throws with helm's output on failure. */
export async function uninstall(release: string, namespace: string, options: { kubeconfig: string; args?: string[] }): Promise<HelmResult> {
  return helmOk(['uninstall', release, '--namespace', namespace, ...(options.args ?? [])], { kubeconfig: options.kubeconfig });
}

/** The objects of an installed release, as helm recorded them (`helm get manifest`). */
export async function releaseManifest(release: string, namespace: string, options: { kubeconfig: string }): Promise<K8sObject[]> {
  const r = await helmOk(['get', 'manifest', release, '--namespace', namespace], options);
  return parseManifests(r.stdout);
}
