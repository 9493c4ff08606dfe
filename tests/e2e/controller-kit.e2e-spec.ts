// controller-kit against a real kube-apiserver (and etcd): server-side apply (also on /status of a
// CRD), finalizers next to another controller's, an informer that resumes and re-lists after its
// watch breaks, a level-triggered controller with backoff, and leader election on a Lease. One
// apiserver for the file; a TCP proxy in front of it plays the network partition.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server, Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { KubeConfig, KubernetesObject, V1ConfigMap } from '@kubernetes/client-node';
import {
  apply,
  applyStatus,
  Condition,
  Controller,
  deleteObject,
  ensureFinalizer,
  FIELD_MANAGER,
  getObject,
  Informer,
  isConflict,
  isNotFound,
  kubeRequest,
  LeaderElector,
  loadKubeConfig,
  ObjectKey,
  ownerReference,
  removeFinalizer,
  setCondition,
} from '@llmd/controller-kit';
import { startKubeApiServer, KubeApiServer } from '../support/kube-apiserver';
import { until } from '../support/until';

const NS = 'kit';
const CONFIGMAPS = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap' };
const logger = pino({ level: process.env.LLMD_E2E_LOG ?? 'silent' });

/** A TCP proxy to the apiserver that can drop every connection and refuse new ones (a partition). */
interface Partition {
  kubeconfig: string;
  cut(): Promise<void>;
  heal(): Promise<void>;
  close(): Promise<void>;
}

async function partitionable(kube: KubeApiServer, dir: string, name: string): Promise<Partition> {
  const target = new URL(kube.url);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  const cut = async () => {
    await new Promise<void>((resolve) => {
      server!.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  };
  await listen();
  const kubeconfig = join(dir, `${name}.kubeconfig`);
  writeFileSync(kubeconfig, readFileSync(kube.kubeconfig, 'utf8').replace(kube.url, `https://127.0.0.1:${port}`));
  return { kubeconfig, cut, heal: listen, close: cut };
}

const configMap = (name: string, data: Record<string, string>, extra: Partial<V1ConfigMap['metadata']> = {}): V1ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: NS, ...extra },
  data,
});

describe('controller-kit against a real kube-apiserver', () => {
  let kube: KubeApiServer;
  let kc: KubeConfig;
  let dir: string;
  const get = <T = KubernetesObject>(path: string) => kube.request('GET', path) as Promise<T>;
  const cmPath = (name: string) => `/api/v1/namespaces/${NS}/configmaps/${name}`;

  beforeAll(async () => {
    kube = await startKubeApiServer();
    dir = mkdtempSync(join(tmpdir(), 'llmd-kit-'));
    kc = loadKubeConfig(kube.kubeconfig);
    await kube.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  }, 120000);

  afterAll(async () => {
    await kube?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('server-side apply', () => {
    it('creates, updates, is idempotent and records llmd-operator as the manager', async () => {
      const created = await apply(kc, configMap('ssa', { a: '1' }));
      expect(created.metadata?.uid).toBeTruthy();
      const again = await apply(kc, configMap('ssa', { a: '1' }));
      expect(again.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
      await apply(kc, configMap('ssa', { a: '2' }));
      const stored = await get<V1ConfigMap>(cmPath('ssa'));
      expect(stored.data).toEqual({ a: '2' });
      const managers = (stored.metadata?.managedFields ?? []).map((m) => [m.manager, m.operation]);
      expect(managers).toContainEqual([FIELD_MANAGER, 'Apply']);
    });

    it("leaves another manager's fields alone and dry-run persists nothing", async () => {
      await apply(kc, configMap('shared', { ours: '1' }));
      await apply(kc, configMap('shared', { theirs: 'x' }), { fieldManager: 'someone-else' });
      await apply(kc, configMap('shared', { ours: '2' }));
      expect((await get<V1ConfigMap>(cmPath('shared'))).data).toEqual({ ours: '2', theirs: 'x' });
      // Without force, taking a field another manager owns is a conflict.
      const conflict = await apply(kc, configMap('shared', { ours: '2', theirs: 'y' }), { force: false }).catch((e: unknown) => e);
      expect(isConflict(conflict)).toBe(true);
      const dry = (await apply(kc, configMap('shared', { ours: '3' }), { dryRun: true })) as V1ConfigMap;
      expect(dry.data?.ours).toBe('3');
      expect((await get<V1ConfigMap>(cmPath('shared'))).data?.ours).toBe('2');
    });

    it('applies status on the /status subresource of a CRD', async () => {
      await kube.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'widgets.kit.llmd.test' },
        spec: {
          group: 'kit.llmd.test',
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
          versions: [{
            name: 'v1', served: true, storage: true, subresources: { status: {} },
            schema: { openAPIV3Schema: { type: 'object', properties: {
              spec: { type: 'object', properties: { size: { type: 'integer' } } },
              status: { type: 'object', properties: {
                phase: { type: 'string' },
                conditions: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'], items: { type: 'object', required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'], properties: {
                  type: { type: 'string' }, status: { type: 'string' }, observedGeneration: { type: 'integer' }, lastTransitionTime: { type: 'string', format: 'date-time' }, reason: { type: 'string' }, message: { type: 'string' },
                } } },
              } },
            } } },
          }],
        },
      });
      await until(async () => {
        const crd = await get<{ status?: { conditions?: { type: string; status: string }[] } }>('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.kit.llmd.test');
        return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
      });
      // The main resource ignores status; /status takes it, under our manager, as a status subresource entry.
      const widget = { apiVersion: 'kit.llmd.test/v1', kind: 'Widget', metadata: { name: 'w1', namespace: NS }, spec: { size: 3 }, status: { phase: 'ignored' } };
      const created = await until(async () => apply(kc, widget).then(() => true, () => false)).then(() => get<KubernetesObject & { status?: unknown }>(`/apis/kit.llmd.test/v1/namespaces/${NS}/widgets/w1`));
      expect(created.status).toBeUndefined();
      const t0 = new Date('2026-01-01T00:00:00Z');
      let conditions = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'Starting', message: 'starting' }, 1, t0);
      await applyStatus(kc, { ...widget, status: { phase: 'Pending', conditions } });
      conditions = setCondition(conditions, { type: 'Ready', status: 'False', reason: 'StillStarting', message: 'still' }, 1, new Date('2026-01-01T00:01:00Z'));
      await applyStatus(kc, { ...widget, status: { phase: 'Pending', conditions } });
      const stored = await get<KubernetesObject & { spec: { size: number }; status: { phase: string; conditions: Condition[] } }>(`/apis/kit.llmd.test/v1/namespaces/${NS}/widgets/w1`);
      expect(stored.spec.size).toBe(3);
      expect(stored.status.phase).toBe('Pending');
      expect(stored.status.conditions).toEqual([{ type: 'Ready', status: 'False', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'StillStarting', message: 'still' }]);
      const entries = (stored.metadata?.managedFields ?? []).filter((m) => m.manager === FIELD_MANAGER).map((m) => m.subresource ?? '');
      expect(entries.sort()).toEqual(['', 'status']);
    });
  });

  describe('finalizers', () => {
    it("adds and removes ours, leaving another controller's in place, even from a stale copy", async () => {
      const created = (await kube.request('POST', `/api/v1/namespaces/${NS}/configmaps`, configMap('fin', { a: '1' }, { finalizers: ['other.io/keep'] }))) as KubernetesObject;
      // Another writer moves the object on; our copy is now stale.
      await kube.request('PATCH', cmPath('fin'), { data: { a: '2' } }, 'application/merge-patch+json');
      expect(await ensureFinalizer(kc, created, 'llm-d.io/cleanup')).toBe(true);
      const withOurs = await get(cmPath('fin'));
      expect(withOurs.metadata?.finalizers).toEqual(['other.io/keep', 'llm-d.io/cleanup']);
      expect(await ensureFinalizer(kc, withOurs, 'llm-d.io/cleanup')).toBe(false);
      await kube.request('PATCH', cmPath('fin'), { data: { a: '3' } }, 'application/merge-patch+json');
      await removeFinalizer(kc, withOurs, 'llm-d.io/cleanup');
      expect((await get(cmPath('fin'))).metadata?.finalizers).toEqual(['other.io/keep']);
    });

    it('lets a deleted object go once the finalizers are removed', async () => {
      await kube.request('POST', `/api/v1/namespaces/${NS}/configmaps`, configMap('fin-delete', {}, { finalizers: ['llm-d.io/cleanup'] }));
      await kube.request('DELETE', cmPath('fin-delete'));
      const terminating = await get(cmPath('fin-delete'));
      expect(terminating.metadata?.deletionTimestamp).toBeTruthy();
      await removeFinalizer(kc, terminating, 'llm-d.io/cleanup');
      await expect(get(cmPath('fin-delete'))).rejects.toThrow(/404/);
      // Removing from an object already gone is not an error.
      await removeFinalizer(kc, terminating, 'llm-d.io/cleanup');
    });
  });

  describe('informer', () => {
    it('sees adds, updates and deletes, resumes its watch, and re-lists what changed while it was cut off', async () => {
      const partition = await partitionable(kube, dir, 'informer');
      const failures: string[] = [];
      const watchLog = pino({ level: 'debug' }, { write: (line: string) => void failures.push(line) });
      const lists = () => failures.filter((l) => l.includes('"msg":"listed"')).length;
      const informer = new Informer<V1ConfigMap>(loadKubeConfig(partition.kubeconfig), CONFIGMAPS, { namespace: NS, labelSelector: 'kit=informer', restartDelayMs: 200, watchTimeoutSeconds: 1, logger: watchLog });
      const events: string[] = [];
      informer.on((type, obj) => events.push(type === 'delete' ? `delete ${obj.metadata?.name}` : `${type} ${obj.metadata?.name} ${obj.data?.v}`));
      const labelled = { labels: { kit: 'informer' } };
      try {
        await apply(kc, configMap('i1', { v: '1' }, labelled));
        await informer.start();
        expect(informer.synced).toBe(true);
        expect(informer.get(NS, 'i1')?.data).toEqual({ v: '1' });
        expect(informer.get(NS, 'i1')?.kind).toBe('ConfigMap');
        await apply(kc, configMap('unlabelled', { v: '0' }));
        await apply(kc, configMap('i2', { v: '0' }, labelled));
        await apply(kc, configMap('i1', { v: '2' }, labelled));
        await until(async () => informer.get(NS, 'i1')?.data?.v === '2' && informer.get(NS, 'i2') !== undefined);
        // Across several 1 s watch timeouts every update still arrives: the watch is resumed each time
        // from the last resourceVersion, with no re-list.
        const listsBefore = lists();
        const t0 = Date.now();
        let n = 0;
        await until(async () => {
          const seen = informer.get(NS, 'i2')?.data?.v === String(n);
          if (seen && Date.now() - t0 > 2500) return true;
          if (seen) await apply(kc, configMap('i2', { v: String(++n) }, labelled));
          return false;
        }, 10000);
        expect(events.filter((e) => e.startsWith('update i2')).length).toBe(n);
        expect(lists()).toBe(listsBefore);
        await kube.request('DELETE', cmPath('i2'));
        await until(async () => events.includes('delete i2'));
        // Cut off: the watch fails; changes made meanwhile arrive with the re-list after the partition heals.
        await partition.cut();
        await apply(kc, configMap('i1', { v: '3' }, labelled));
        await apply(kc, configMap('i3', { v: '1' }, labelled));
        const before = failures.length;
        await until(async () => failures.filter((l, i) => i >= before && l.includes('re-listing after a delay')).length >= 2); // failed re-lists
        expect(informer.get(NS, 'i3')).toBeUndefined();
        await partition.heal();
        await until(async () => informer.get(NS, 'i1')?.data?.v === '3' && informer.get(NS, 'i3') !== undefined);
        expect(failures.slice(before).filter((l) => l.includes('re-listing after a delay')).length).toBeGreaterThanOrEqual(2);
        expect(events).toEqual(expect.arrayContaining(['add i1 1', 'add i2 0', 'update i1 2', 'delete i2', 'update i1 3', 'add i3 1']));
        expect(events.some((e) => e.includes('unlabelled'))).toBe(false);
        // stop() and start() again: a re-list reports the delete made while stopped.
        informer.stop();
        await kube.request('DELETE', cmPath('i3'));
        await informer.start();
        await until(async () => events.includes('delete i3'));
        expect(informer.list(NS).map((o) => o.metadata?.name)).toEqual(['i1']);
      } finally {
        informer.stop();
        await partition.close();
      }
    });
  });

  describe('controller', () => {
    it('reconciles level-triggered from the cache, recreates what was deleted, and requeues failures with backoff', async () => {
      const sources = new Informer<V1ConfigMap>(kc, CONFIGMAPS, { namespace: NS, labelSelector: 'kit=source', logger });
      const derived = new Informer<V1ConfigMap>(kc, CONFIGMAPS, { namespace: NS, labelSelector: 'kit=derived', logger });
      const attempts = new Map<string, number>();
      const registry = new Registry();
      const reconcile = async (key: ObjectKey) => {
        attempts.set(key.name, (attempts.get(key.name) ?? 0) + 1);
        const source = sources.get(key.namespace, key.name);
        if (!source) return; // deleted: the owner reference lets garbage collection take the child
        const failures = Number(source.data?.failTimes ?? 0);
        if (attempts.get(key.name)! <= failures) throw new Error(`failing on purpose (${attempts.get(key.name)}/${failures})`);
        await apply(kc, {
          ...configMap(`${key.name}-derived`, { value: (source.data?.value ?? '').toUpperCase() }, { labels: { kit: 'derived' } }),
          metadata: { name: `${key.name}-derived`, namespace: NS, labels: { kit: 'derived' }, ownerReferences: [ownerReference(source)] },
        });
      };
      const controller = new Controller({ name: 'derive', reconcile, concurrency: 2, registry, logger });
      controller.watch(sources);
      controller.watchOwned(derived, 'ConfigMap', 'v1');
      await Promise.all([sources.start(), derived.start()]);
      controller.start();
      try {
        await apply(kc, configMap('src', { value: 'hello' }, { labels: { kit: 'source' } }));
        await until(async () => (await get<V1ConfigMap>(cmPath('src-derived')).catch(() => undefined))?.data?.value === 'HELLO');
        const child = await get(cmPath('src-derived'));
        expect(child.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'ConfigMap', name: 'src', controller: true, blockOwnerDeletion: true });
        // Level-triggered: the child deleted by hand comes back (through watchOwned).
        await kube.request('DELETE', cmPath('src-derived'));
        await until(async () => (await get<V1ConfigMap>(cmPath('src-derived')).catch(() => undefined))?.data?.value === 'HELLO');
        // A reconcile that throws is retried with backoff until it succeeds.
        await apply(kc, configMap('flaky', { value: 'x', failTimes: '3' }, { labels: { kit: 'source' } }));
        await until(async () => (await get<V1ConfigMap>(cmPath('flaky-derived')).catch(() => undefined))?.data?.value === 'X');
        // Three failures, the success, and (maybe) once more for the child it created.
        expect(attempts.get('flaky')).toBeGreaterThanOrEqual(4);
        const metrics = await registry.metrics();
        expect(metrics).toMatch(/controller_runtime_reconcile_errors_total\{controller="derive"\} 3/);
        expect(metrics).toMatch(/workqueue_retries_total\{name="derive",controller="derive"\} 3/);
        expect(metrics).toMatch(/controller_runtime_reconcile_total\{controller="derive",result="success"\} [1-9]/);
        expect(metrics).toMatch(/controller_runtime_max_concurrent_reconciles\{controller="derive"\} 2/);
      } finally {
        await controller.stop();
        sources.stop();
        derived.stop();
      }
    });
  });

  describe('leader election', () => {
    // Short timings for the test (the defaults are 15 s / 10 s / 2 s).
    const fast = { leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 200 };
    const lease = (name: string) => get<{ spec: { holderIdentity?: string; leaseTransitions?: number; renewTime?: string } }>(`/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/${name}`);

    function elector(identity: string, name: string, config = kc, registry?: Registry, timings = fast) {
      const log: string[] = [];
      const e = new LeaderElector({
        kc: config, namespace: NS, name, identity, ...timings, logger, registry,
        onStartedLeading: () => void log.push('started'),
        onStoppedLeading: () => void log.push('stopped'),
      });
      return { e, log };
    }

    it('elects one leader; its stop releases the lease and the other takes over at once', async () => {
      // A lease long enough that a takeover within it can only come from the release.
      const slow = { leaseDurationMs: 8000, renewDeadlineMs: 5000, retryPeriodMs: 250 };
      const a = elector('a', 'pair', kc, undefined, slow);
      const b = elector('b', 'pair', kc, undefined, slow);
      a.e.run();
      b.e.run();
      try {
        await until(async () => a.e.isLeader || b.e.isLeader);
        const [leader, follower] = a.e.isLeader ? [a, b] : [b, a];
        // Several renewals later there is still exactly one leader.
        const transitions = (await lease('pair')).spec.leaseTransitions ?? 0;
        const renewals = new Set<string>();
        await until(async () => {
          renewals.add((await lease('pair')).spec.renewTime ?? '');
          expect([a.e.isLeader, b.e.isLeader].filter(Boolean)).toHaveLength(1);
          return renewals.size >= 4;
        });
        expect(leader.e.isLeader).toBe(true);
        await leader.e.stop();
        expect(leader.log).toEqual(['started', 'stopped']);
        // Released: the follower need not wait out the lease duration.
        await until(async () => follower.e.isLeader, slow.leaseDurationMs - 1000);
        const after = await lease('pair');
        expect(after.spec.holderIdentity).toBe(follower === a ? 'a' : 'b');
        expect(after.spec.leaseTransitions).toBe(transitions + 1);
        expect(follower.log).toEqual(['started']);
      } finally {
        await a.e.stop();
        await b.e.stop();
      }
    });

    it('a leader that cannot renew stops leading, and another takes over when the lease expires', async () => {
      const partition = await partitionable(kube, dir, 'elector');
      const registry = new Registry();
      const cut = elector('cut-off', 'partition', loadKubeConfig(partition.kubeconfig), registry);
      const other = elector('other', 'partition');
      cut.e.run();
      try {
        await until(async () => cut.e.isLeader);
        expect(await registry.metrics()).toMatch(/leader_election_master_status\{name="partition"\} 1/);
        other.e.run();
        await partition.cut();
        await until(async () => !cut.e.isLeader, 10000);
        expect(cut.log).toEqual(['started', 'stopped']);
        expect(await registry.metrics()).toMatch(/leader_election_master_status\{name="partition"\} 0/);
        await until(async () => other.e.isLeader, 10000);
        expect((await lease('partition')).spec.holderIdentity).toBe('other');
      } finally {
        await other.e.stop();
        await cut.e.stop();
        await partition.close();
      }
    });
  });

  it('reads and deletes single objects, a missing one being undefined / false, and reports a 404 as such', async () => {
    const ref = configMap('single', {});
    expect(await getObject(kc, ref)).toBeUndefined();
    await apply(kc, configMap('single', { a: '1' }));
    expect((await getObject<V1ConfigMap>(kc, ref))?.data).toEqual({ a: '1' });
    expect(await deleteObject(kc, ref)).toBe(true);
    expect(await deleteObject(kc, ref)).toBe(false);
    const err = await kubeRequest(kc, 'GET', cmPath('single')).catch((e: unknown) => e);
    expect(isNotFound(err)).toBe(true);
  });
});
