// Objects sent to a real kube-apiserver the way `kubectl apply --server-side` sends them: the REST path
// of a kind is read from the server's discovery (so custom resources work once their CRD is served),
// a namespaced object without a namespace goes to the given one (as helm install and kubectl do), and
// unknown or misplaced fields are refused (fieldValidation=Strict). With dryRun the server runs
// admission, defaulting, schema and CRD validation and stores nothing.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeApiServer } from './kube-apiserver';
import { until } from './until';

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; generateName?: string; namespace?: string };
  [field: string]: unknown;
};

type ApiResource = { name: string; kind: string; namespaced: boolean };

/** The resources of each group version, read from discovery once per group version and kube-apiserver. */
const discovery = new WeakMap<KubeApiServer, Map<string, Promise<ApiResource[]>>>();

function resourcesOf(kube: KubeApiServer, apiVersion: string): Promise<ApiResource[]> {
  let byVersion = discovery.get(kube);
  if (!byVersion) discovery.set(kube, (byVersion = new Map()));
  let resources = byVersion.get(apiVersion);
  if (!resources) {
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    resources = kube.request('GET', path).then(
      (list) => (list.resources as ApiResource[]).filter((r) => !r.name.includes('/')),
      () => [],
    );
    byVersion.set(apiVersion, resources);
    // A group version that is not served yet (a CRD applied later) is asked again next time.
    void resources.then((r) => r.length || byVersion!.delete(apiVersion));
  }
  return resources;
}

/** The collection path of an object's kind (in its namespace when namespaced), or an Error naming what is missing. */
export async function collectionPath(kube: KubeApiServer, obj: KubeObject, namespace: string): Promise<string> {
  const resource = (await resourcesOf(kube, obj.apiVersion)).find((r) => r.kind === obj.kind);
  if (!resource) throw new Error(`${obj.kind} ${obj.apiVersion} is not served by the kube-apiserver (is its CRD installed?)`);
  const base = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
  return resource.namespaced ? `${base}/namespaces/${obj.metadata.namespace ?? namespace}/${resource.name}` : `${base}/${resource.name}`;
}

export interface ApplyOptions {
  /** Validate and admit only, store nothing (?dryRun=All). */
  dryRun?: boolean;
  /** @default 'llmd-test' */
  fieldManager?: string;
}

/**
 * Server-side apply of one object (force: it takes over fields another manager set), or a create for
 * an object with only a generateName. Namespaced objects without a namespace go to `namespace`.
 * Returns the object as the server has (or would have) it; throws with the server's Status message.
 */
export async function apply(kube: KubeApiServer, obj: KubeObject, namespace: string, options: ApplyOptions = {}): Promise<Record<string, unknown>> {
  const collection = await collectionPath(kube, obj, namespace);
  const query = `fieldManager=${options.fieldManager ?? 'llmd-test'}&fieldValidation=Strict${options.dryRun ? '&dryRun=All' : ''}`;
  if (!obj.metadata.name) return kube.request('POST', `${collection}?${query}`, obj);
  return kube.request('PATCH', `${collection}/${obj.metadata.name}?${query}&force=true`, obj, 'application/apply-patch+yaml');
}

/** The apiserver's reason for refusing, from the Status object in a request's error, or the error's message. */
export function refusalMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const body = message.slice(message.indexOf('{'));
  try {
    return String((JSON.parse(body) as { message: string }).message);
  } catch {
    return message;
  }
}

/**
 * Server-side dry run of every object; returns one line per refused object ("Kind name: reason"), empty
 * when the server accepts them all. Namespaces the objects name are created for real first (a dry run
 * into a missing namespace is refused).
 */
export async function dryRunAll(kube: KubeApiServer, objects: KubeObject[], namespace: string): Promise<string[]> {
  for (const ns of new Set([namespace, ...objects.map((o) => o.metadata?.namespace).filter((n): n is string => !!n)])) await ensureNamespace(kube, ns);
  const refused: string[] = [];
  for (const obj of objects) {
    try {
      await apply(kube, obj, namespace, { dryRun: true });
    } catch (err) {
      refused.push(`${obj.kind} ${obj.metadata?.name ?? obj.metadata?.generateName ?? '(no name)'}: ${refusalMessage(err)}`);
    }
  }
  return refused;
}

export async function ensureNamespace(kube: KubeApiServer, name: string): Promise<void> {
  await kube.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }).catch((err: Error) => {
    if (!/: 409 /.test(err.message)) throw err;
  });
}

/** The objects of every .yaml/.yml file in a folder (multi-document files too), in file-name order. */
export function readManifests(dir: string): KubeObject[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as KubeObject | null))
    .filter((o): o is KubeObject => !!o);
}

/** Applies CRDs for real and waits until each is Established and its kind is served. */
export async function installCrds(kube: KubeApiServer, crds: KubeObject[]): Promise<void> {
  for (const crd of crds) await apply(kube, crd, '', { fieldManager: 'kubectl' });
  type Crd = { spec: { group: string; names: { plural: string }; versions: { name: string; served: boolean }[] }; status?: { conditions?: { type: string; status: string }[] } };
  await until(async () => {
    for (const c of crds) {
      const crd = (await kube.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${c.metadata.name}`)) as unknown as Crd;
      if (!crd.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True')) return false;
      // Established is set before discovery and the REST handlers serve the kind.
      for (const v of crd.spec.versions.filter((x) => x.served)) {
        const served = await kube.request('GET', `/apis/${crd.spec.group}/${v.name}/${crd.spec.names.plural}`).then(() => true, () => false);
        if (!served) return false;
      }
    }
    return true;
  }, 60000);
}
