import pino from 'pino';
import { HealthChecks, loadConfig, Registry } from '@llmd/platform';
import { OPERATOR_ENV, operatorConfigSchema } from './config';
import { clusterConfigured, Operator } from './operator';

describe('Operator without a cluster', () => {
  const saved = { home: process.env.HOME, host: process.env.KUBERNETES_SERVICE_HOST };
  beforeEach(() => {
    process.env.HOME = '/nonexistent-llmd-home';
    delete process.env.KUBERNETES_SERVICE_HOST;
  });
  afterEach(() => {
    process.env.HOME = saved.home;
    if (saved.host !== undefined) process.env.KUBERNETES_SERVICE_HOST = saved.host;
  });

  it.each([
    [{}, false],
    [{ LLMD_OPERATOR_KUBECONFIG: '/etc/kubeconfig' }, true],
  ])('clusterConfigured(%p) = %p', (env, expected) => {
    expect(clusterConfigured(loadConfig(operatorConfigSchema, { envMap: OPERATOR_ENV, env }))).toBe(expected);
  });

  it('is in-cluster when a service account is mounted', () => {
    process.env.KUBERNETES_SERVICE_HOST = '10.96.0.1';
    expect(clusterConfigured(loadConfig(operatorConfigSchema, { envMap: OPERATOR_ENV, env: {} }))).toBe(true);
  });

  it('idles honestly: ready, role idle, the kubernetes check false, and stops cleanly', async () => {
    const registry = new Registry();
    const health = new HealthChecks();
    const debug = new Map<string, () => unknown>();
    const operator = new Operator(loadConfig(operatorConfigSchema, { envMap: OPERATOR_ENV, env: {} }), { logger: pino({ level: 'silent' }), registry, health, debug });
    operator.start();
    expect(operator.currentRole).toBe('idle');
    expect(await health.readiness()).toEqual({ ready: true, checks: { kubernetes: false } });
    expect(await registry.metrics()).toMatch(/llmd_operator_role\{role="idle"\} 1/);
    expect(debug.get('operator')?.()).toMatchObject({ role: 'idle' });
    await operator.stop();
  });
});
