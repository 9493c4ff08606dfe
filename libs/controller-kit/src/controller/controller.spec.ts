import type { KubernetesObject } from '@kubernetes/client-node';
import pino from 'pino';
import { Registry } from 'prom-client';
import { Informer } from '../informer/informer';
import { ownerReference } from '../ownership/owner-reference';
import { FakeClock, settle } from '../testing/fake-clock';
import { FakeSource } from '../testing/fake-source';
import { Controller, ReconcileResult } from './controller';
import { ObjectKey } from './object-key';
import { TerminalError } from './terminal-error';

const logger = pino({ enabled: false });

/** A controller over a fake clock whose reconcile answers from a script per call. */
function harness(script: (key: ObjectKey, call: number) => Promise<ReconcileResult | void> | ReconcileResult | void = () => undefined, concurrency = 1) {
  const clock = new FakeClock();
  const registry = new Registry();
  const calls: { key: string; at: number }[] = [];
  const perKey = new Map<string, number>();
  const controller = new Controller({
    name: 'test',
    concurrency,
    registry,
    logger,
    clock,
    reconcile: async (key) => {
      const k = `${key.namespace}/${key.name}`;
      const n = (perKey.get(k) ?? 0) + 1;
      perKey.set(k, n);
      calls.push({ key: k, at: clock.now() });
      return script(key, n);
    },
  });
  const metric = async (name: string, labels: string) => {
    const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };
  return { clock, controller, calls, metric, start: clock.now() };
}

const key = { namespace: 'ns', name: 'a' };

describe('Controller', () => {
  it('reconciles an enqueued key once, and a key enqueued many times while waiting once', async () => {
    const h = harness();
    for (let i = 0; i < 3; i++) h.controller.enqueue(key);
    h.controller.start();
    await settle();
    expect(h.calls.map((c) => c.key)).toEqual(['ns/a']);
    expect(h.controller.queueLength).toBe(0);
    expect(await h.metric('controller_runtime_reconcile_total', 'controller="test",result="success"')).toBe(1);
    await h.controller.stop();
  });

  it('requeues a failing key with per-key exponential backoff (5, 10, 20 ms) and resets it after a success', async () => {
    const h = harness((_k, call) => {
      if (call <= 3 || call === 5) throw new Error('boom');
    });
    h.controller.start();
    h.controller.enqueue(key);
    await h.clock.advance(100);
    expect(h.calls.slice(0, 4).map((c) => c.at - h.start)).toEqual([0, 5, 15, 35]);
    h.controller.enqueue(key); // fails once more: the backoff starts over at 5 ms
    await h.clock.advance(100);
    expect(h.calls.slice(4).map((c) => c.at - h.start)).toEqual([100, 105]);
    expect(await h.metric('controller_runtime_reconcile_errors_total', 'controller="test"')).toBe(4);
    expect(await h.metric('controller_runtime_reconcile_total', 'controller="test",result="error"')).toBe(4);
    expect(await h.metric('workqueue_retries_total', 'name="test",controller="test"')).toBe(4);
    await h.controller.stop();
  });

  it('requeueAfterMs reconciles again after that long; requeue uses the backoff', async () => {
    const h = harness((_k, call) => (call === 1 ? { requeueAfterMs: 30000 } : call === 2 ? { requeue: true } : undefined));
    h.controller.start();
    h.controller.enqueue(key);
    await h.clock.advance(29999);
    expect(h.calls).toHaveLength(1);
    await h.clock.advance(1);
    expect(h.calls).toHaveLength(2);
    await h.clock.advance(5);
    expect(h.calls.map((c) => c.at - h.start)).toEqual([0, 30000, 30005]);
    expect(await h.metric('controller_runtime_reconcile_total', 'controller="test",result="requeue_after"')).toBe(1);
    expect(await h.metric('controller_runtime_reconcile_total', 'controller="test",result="requeue"')).toBe(1);
    await h.controller.stop();
  });

  it('does not retry a TerminalError', async () => {
    const h = harness(() => {
      throw new TerminalError('spec.model.uri is invalid');
    });
    h.controller.start();
    h.controller.enqueue(key);
    await h.clock.advance(60000);
    expect(h.calls).toHaveLength(1);
    expect(await h.metric('controller_runtime_reconcile_errors_total', 'controller="test"')).toBe(1);
    await h.controller.stop();
  });

  it('never reconciles one key twice at once, and an event during a reconcile brings one more reconcile after it', async () => {
    const gates: (() => void)[] = [];
    let running = 0;
    let maxRunning = 0;
    const h = harness(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise<void>((resolve) => gates.push(resolve));
      running--;
    }, 4);
    h.controller.start();
    h.controller.enqueue(key);
    h.controller.enqueue({ namespace: 'ns', name: 'b' });
    await settle();
    expect(gates).toHaveLength(2); // two keys in parallel
    h.controller.enqueue(key);
    h.controller.enqueue(key);
    await settle();
    expect(gates).toHaveLength(2);
    gates.shift()!();
    await settle();
    expect(gates).toHaveLength(2); // a again, once
    for (const open of gates.splice(0)) open();
    await settle();
    expect(h.calls.map((c) => c.key)).toEqual(['ns/a', 'ns/b', 'ns/a']);
    expect(maxRunning).toBe(2);
    expect(await h.metric('controller_runtime_max_concurrent_reconciles', 'controller="test"')).toBe(4);
    await h.controller.stop();
  });

  it('stop() takes no new work and resolves only after the reconcile in flight returned', async () => {
    let open: () => void = () => undefined;
    const h = harness(() => new Promise<void>((resolve) => (open = resolve)));
    h.controller.start();
    h.controller.enqueue(key);
    await settle();
    expect(await h.metric('controller_runtime_active_workers', 'controller="test"')).toBe(1);
    await h.clock.advance(1500);
    expect(await h.metric('workqueue_longest_running_processor_seconds', 'name="test",controller="test"')).toBe(1.5);
    expect(await h.metric('workqueue_unfinished_work_seconds', 'name="test",controller="test"')).toBe(1.5);
    h.controller.enqueue({ namespace: 'ns', name: 'b' });
    let stopped = false;
    void h.controller.stop().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    open();
    await settle();
    expect(stopped).toBe(true);
    expect(h.calls.map((c) => c.key)).toEqual(['ns/a']);
    expect(await h.metric('controller_runtime_active_workers', 'controller="test"')).toBe(0);
    expect(await h.metric('workqueue_longest_running_processor_seconds', 'name="test",controller="test"')).toBe(0);
    h.controller.enqueue(key);
    await settle();
    expect(h.calls).toHaveLength(1);
  });

  it('shares one registry between controllers, each with its own series', async () => {
    const registry = new Registry();
    const clock = new FakeClock();
    const make = (name: string) => new Controller({ name, registry, logger, clock, reconcile: async () => undefined });
    const [one, two] = [make('one'), make('two')];
    one.start();
    two.start();
    one.enqueue(key);
    await settle();
    const text = await registry.metrics();
    expect(text).toMatch(/controller_runtime_reconcile_total\{controller="one",result="success"\} 1/);
    expect(text).toMatch(/controller_runtime_reconcile_total\{controller="two",result="success"\} 0/);
    expect(text).toMatch(/workqueue_adds_total\{name="one",controller="one"\} 1/);
    await Promise.all([one.stop(), two.stop()]);
  });

  it('maps informer events to keys: its own by default, the controller owner through watchOwned', async () => {
    const h = harness();
    const REF = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap' };
    const parents = new FakeSource<KubernetesObject>();
    const children = new FakeSource<KubernetesObject>();
    const owner = { apiVersion: 'llm-d.io/v1alpha1', kind: 'LLMDeployment', metadata: { name: 'llama', namespace: 'ns', uid: 'u1' } };
    const other = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'ns', uid: 'u2' } };
    children.items = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'child', namespace: 'ns', resourceVersion: '1', ownerReferences: [ownerReference(owner)] } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'foreign', namespace: 'ns', resourceVersion: '1', ownerReferences: [ownerReference(other)] } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'orphan', namespace: 'ns', resourceVersion: '1' } },
    ];
    parents.items = [{ apiVersion: 'llm-d.io/v1alpha1', kind: 'LLMDeployment', metadata: { name: 'p', namespace: 'ns', resourceVersion: '1' } }];
    const parentInformer = new Informer<KubernetesObject>(undefined, REF, { source: parents, clock: h.clock });
    const childInformer = new Informer<KubernetesObject>(undefined, REF, { source: children, clock: h.clock });
    h.controller.watch(parentInformer);
    h.controller.watchOwned(childInformer, 'LLMDeployment', 'llm-d.io/v1alpha1');
    h.controller.watch(childInformer, (o) => [{ namespace: 'mapped', name: o.metadata!.name! }]);
    await Promise.all([parentInformer.start(), childInformer.start()]);
    h.controller.start();
    await settle();
    expect(h.calls.map((c) => c.key).sort()).toEqual(['mapped/child', 'mapped/foreign', 'mapped/orphan', 'ns/llama', 'ns/p']);
    parentInformer.stop();
    childInformer.stop();
    await h.controller.stop();
  });
});
