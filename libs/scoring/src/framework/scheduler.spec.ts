import { registerBuiltinPlugins, SHIPPED_CONFIGS } from '../plugins';
import { makeEndpoint, makeRequest, seededRandom } from '../testing';
import { buildPipeline } from './config';
import type { Plugin } from './plugin';
import { PluginRegistry } from './registry';
import { ExtensionPoint, Scheduler } from './scheduler';

const deps = { random: seededRandom(42), now: () => 0 };

/** A minimal pipeline: model filter, queue-depth scorer, max-score picker. */
const BASE = {
  plugins: [
    { name: 'serves-model', type: 'serves-model-filter' },
    { name: 'queue', type: 'queue-depth-scorer' },
    { name: 'picker', type: 'max-score-picker' },
    { name: 'handler', type: 'single-profile-handler' },
  ],
  schedulingProfiles: [{ name: 'default', plugins: [{ pluginRef: 'serves-model' }, { pluginRef: 'queue', weight: 1 }, { pluginRef: 'picker' }] }],
};
const registry = () => registerBuiltinPlugins(new PluginRegistry());

describe('Scheduler', () => {
  it.each([
    ['shortest queue wins', [['a', 'm', 4], ['b', 'm', 0], ['c', 'm', 9]], 'm', ['b', 'a', 'c']],
    ['other models are filtered out', [['a', 'x', 0], ['b', 'm', 3]], 'm', ['b']],
    ['no endpoint serves the model', [['a', 'x', 0]], 'm', []],
  ] as const)('%s', async (_name, specs, model, ranked) => {
    const endpoints = specs.map(([id, m, q]) => makeEndpoint(id).models(m).queue(q).build());
    const scheduler = new Scheduler(buildPipeline(BASE, registry(), deps));
    const result = await scheduler.schedule(makeRequest({ model }), endpoints);
    expect(result.primaryProfile).toBe('default');
    expect(result.profileResults['default'].targets.map((e) => e.id)).toEqual(ranked);
  });

  it('times every plugin call', async () => {
    const seen: string[] = [];
    const observer = { observe: (point: ExtensionPoint, plugin: Plugin) => seen.push(`${point}:${plugin.typedName().type}`) };
    const scheduler = new Scheduler(buildPipeline(BASE, registry(), deps), observer);
    await scheduler.schedule(makeRequest(), [makeEndpoint('a').build()]);
    expect(seen).toEqual(
      expect.arrayContaining(['filter:serves-model-filter', 'score:queue-depth-scorer', 'pick:max-score-picker', 'profile-handler:single-profile-handler']),
    );
  });

  it('decides on the endpoints as they are after the prefetches: picks made meanwhile count (no hot-spotting)', async () => {
    // A prefix index that answers slowly; while two requests wait on it, in-flight counts change.
    const slowIndex = { score: (_r: unknown, ids: readonly string[]) => new Promise<Map<string, number>>((resolve) => setTimeout(() => resolve(new Map(ids.map((id) => [id, 0]))), 5)) };
    const config = {
      plugins: [{ type: 'precise-prefix-cache-scorer', name: 'prefix' }, { type: 'in-flight-scorer', name: 'load' }, { type: 'max-score-picker', name: 'picker' }, { type: 'single-profile-handler', name: 'h' }],
      schedulingProfiles: [{ name: 'default', plugins: [{ pluginRef: 'prefix', weight: 1 }, { pluginRef: 'load', weight: 1 }, { pluginRef: 'picker' }] }],
    };
    const scheduler = new Scheduler(buildPipeline(config, registry(), { ...deps, prefixCache: slowIndex }));
    const inFlight: Record<string, number> = { a: 0, b: 0 };
    const fleet = () => ['a', 'b'].map((id) => makeEndpoint(id).inFlight(inFlight[id]).build());
    const pickOne = async (i: number) => {
      const result = await scheduler.schedule(makeRequest({ requestId: `r${i}`, prompt: `cold ${i}` }), fleet);
      const target = result.profileResults['default'].targets[0].id;
      inFlight[target]++; // what the app does right after the pick
      return target;
    };
    const targets = await Promise.all(Array.from({ length: 6 }, (_, i) => pickOne(i)));
    expect(inFlight).toEqual({ a: 3, b: 3 });
    expect(new Set(targets)).toEqual(new Set(['a', 'b']));
  });

  it('weights scorers and clamps their scores to [0,1]', async () => {
    const r = new PluginRegistry();
    registerBuiltinPlugins(r);
    r.register({
      type: 'wild-scorer',
      params: (await import('zod')).z.object({}),
      create: (name) => ({
        category: 'affinity' as const,
        typedName: () => ({ type: 'wild-scorer', name }),
        score: (_s: unknown, _r: unknown, eps: readonly { id: string }[]) => new Map(eps.map((e) => [e.id, e.id === 'a' ? 50 : -3])),
      }),
    });
    const config = {
      plugins: [{ type: 'wild-scorer' }, { type: 'queue-depth-scorer' }, { type: 'max-score-picker' }, { type: 'single-profile-handler' }],
      schedulingProfiles: [{ name: 'p', plugins: [{ pluginRef: 'wild-scorer', weight: 0.5 }, { pluginRef: 'queue-depth-scorer', weight: 1 }, { pluginRef: 'max-score-picker' }] }],
    };
    // a: 0.5*1 + 1*0 = 0.5 ; b: 0.5*0 + 1*1 = 1 -> b first despite the wild score of 50.
    const endpoints = [makeEndpoint('a').queue(10).build(), makeEndpoint('b').queue(0).build()];
    const result = await new Scheduler(buildPipeline(config, r, deps)).schedule(makeRequest(), endpoints);
    expect(result.profileResults['p'].targets.map((e) => e.id)).toEqual(['b', 'a']);
  });

  it("prefers a scorer's fast path (scoreInto) and clamps what it writes too", async () => {
    const r = registerBuiltinPlugins(new PluginRegistry());
    r.register({
      type: 'fast-scorer',
      params: (await import('zod')).z.object({}),
      create: (name) => ({
        category: 'affinity' as const,
        typedName: () => ({ type: 'fast-scorer', name }),
        score: () => {
          throw new Error('the runner should use scoreInto');
        },
        scoreInto: (_s: unknown, _r: unknown, eps: readonly { id: string }[], out: Float64Array) => eps.forEach((e, i) => (out[i] = e.id === 'a' ? 7 : Number.NaN)),
      }),
    });
    const config = {
      plugins: [{ type: 'fast-scorer' }, { type: 'max-score-picker', parameters: { maxTargets: 2 } }, { type: 'single-profile-handler' }],
      schedulingProfiles: [{ name: 'p', plugins: [{ pluginRef: 'fast-scorer', weight: 2 }, { pluginRef: 'max-score-picker' }] }],
    };
    const endpoints = [makeEndpoint('b').build(), makeEndpoint('a').build()];
    const result = await new Scheduler(buildPipeline(config, r, deps)).schedule(makeRequest(), endpoints);
    expect(result.profileResults['p'].targets.map((e) => e.id)).toEqual(['a', 'b']);
    expect(result.profileResults['p'].breakdown).toEqual({ a: { total: 2, scores: { 'fast-scorer': 1 } }, b: { total: 0, scores: { 'fast-scorer': 0 } } });
  });
});

const BASELINES = ['random', 'round-robin'];

describe('the shipped configurations', () => {
  it.each(Object.keys(SHIPPED_CONFIGS).filter((n) => !BASELINES.includes(n)))('%s builds and picks', async (name) => {
    const scheduler = new Scheduler(buildPipeline(SHIPPED_CONFIGS[name], registry(), deps));
    const endpoints = [makeEndpoint('a').role('both').queue(3).build(), makeEndpoint('b').role('both').build()];
    const result = await scheduler.schedule(makeRequest({ prompt: 'hello '.repeat(100) }), endpoints);
    expect(result.profileResults[result.primaryProfile].targets[0].id).toBe('b');
    expect(result.profileResults[result.primaryProfile].breakdown?.['b'].scores['queue']).toBe(1);
  });
});

describe('buildPipeline', () => {
  const base = BASE;
  it.each([
    ['unknown plugin type', { ...base, plugins: [...base.plugins, { type: 'nope-scorer' }] }, 'plugins.4.type'],
    ['bad parameters', { ...base, plugins: [{ name: 'picker', type: 'max-score-picker', parameters: { maxTargets: 0 } }, ...base.plugins.slice(0, 1), ...base.plugins.slice(3)] }, 'plugins.0.parameters.maxTargets'],
    ['unknown pluginRef', { ...base, schedulingProfiles: [{ name: 'd', plugins: [{ pluginRef: 'ghost' }] }] }, 'schedulingProfiles.0.plugins.0.pluginRef'],
    ['profile without picker', { ...base, schedulingProfiles: [{ name: 'd', plugins: [{ pluginRef: 'queue' }] }] }, 'schedulingProfiles.0.plugins'],
    ['no profile handler', { ...base, plugins: base.plugins.slice(0, 3) }, 'plugins'],
    ['negative weight', { ...base, schedulingProfiles: [{ name: 'd', plugins: [{ pluginRef: 'queue', weight: -1 }] }] }, 'schedulingProfiles.0.plugins.0.weight'],
    ['missing profiles', { plugins: base.plugins }, 'schedulingProfiles'],
  ])('%s is refused naming %s', (_name, config, field) => {
    expect(() => buildPipeline(config, registry(), deps)).toThrow(expect.objectContaining({ field }));
  });
});

describe('the baseline configurations (routing studies)', () => {
  it('round-robin takes the endpoints in turn, whatever their load', async () => {
    const scheduler = new Scheduler(buildPipeline(SHIPPED_CONFIGS['round-robin'], registry(), deps));
    const endpoints = [makeEndpoint('a').queue(30).build(), makeEndpoint('b').build(), makeEndpoint('c').build()];
    const picks = [];
    for (let i = 0; i < 4; i++) picks.push((await scheduler.schedule(makeRequest(), endpoints)).profileResults['default'].targets[0].id);
    expect(picks).toEqual(['a', 'b', 'c', 'a']);
  });

  it('random spreads over every endpoint, whatever their load', async () => {
    const scheduler = new Scheduler(buildPipeline(SHIPPED_CONFIGS['random'], registry(), deps));
    const endpoints = [makeEndpoint('a').queue(30).build(), makeEndpoint('b').build()];
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) seen.add((await scheduler.schedule(makeRequest(), endpoints)).profileResults['default'].targets[0].id);
    expect(seen).toEqual(new Set(['a', 'b']));
  });
});
