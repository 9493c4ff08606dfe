import { join } from 'node:path';
import { loadConfig } from '@llmd/platform';
import { buildPipeline, PluginRegistry, registerBuiltinPlugins } from '@llmd/scoring';
import { resolvePickerConfig, SCHEDULER_ENV, schedulerConfigSchema } from './config';

const example = join(__dirname, '../../../deploy/examples/config/scheduler.yaml');

describe('scheduler config', () => {
  it('loads the shipped example and builds its picker pipeline', () => {
    const config = loadConfig(schedulerConfigSchema, { envMap: SCHEDULER_ENV, env: { LLMD_CONFIG: example } });
    expect(config.endpoints.map((e) => e.id)).toEqual(['llama-0', 'llama-1']);
    const pipeline = buildPipeline(resolvePickerConfig(config), registerBuiltinPlugins(new PluginRegistry()), { random: Math.random, now: Date.now });
    expect([...pipeline.profiles.keys()]).toEqual(['default']);
  });

  it('takes endpoints as JSON from the environment', () => {
    const env = { LLMD_SCHEDULER_ENDPOINTS: JSON.stringify([{ id: 'a', address: '127.0.0.1:8100', models: ['m'] }]) };
    expect(loadConfig(schedulerConfigSchema, { envMap: SCHEDULER_ENV, env }).endpoints).toEqual([{ id: 'a', address: '127.0.0.1:8100', models: ['m'], role: 'both', loraAdapters: [], labels: {}, metricsFormat: 'vllm' }]);
  });

  it.each([
    [{ LLMD_SCHEDULER_ENDPOINTS: JSON.stringify([{ id: 'a', address: 'nohost', models: ['m'] }]) }, 'endpoints.0.address'],
    [{ LLMD_SCHEDULER_ENDPOINTS: JSON.stringify([{ id: 'a', address: 'h:1', models: [] }]) }, 'endpoints.0.models'],
    [{ LLMD_SCHEDULER_SCRAPE_INTERVAL_MS: '1' }, 'scrape.intervalMs'],
    [{ LLMD_SCHEDULER_PICKER_CONFIG: JSON.stringify({ plugins: [] }) }, 'picker'],
    [{ LLMD_SCHEDULER_PROFILE: 'fastest' }, 'profile'],
    [{ LLMD_SCHEDULER_CACHE_MANAGER_ADDRESS: 'nohost' }, 'cacheManager.address'],
  ])('%p is refused naming %s', (env, field) => {
    expect(() => loadConfig(schedulerConfigSchema, { envMap: SCHEDULER_ENV, env })).toThrow(expect.objectContaining({ field }));
  });
});
