import { join } from 'node:path';
import { loadConfig } from '@llmd/platform';
import { GATEWAY_ENV, gatewayConfigSchema } from './config';

describe('gateway config', () => {
  it('loads the shipped example', () => {
    const config = loadConfig(gatewayConfigSchema, { envMap: GATEWAY_ENV, env: { LLMD_CONFIG: join(__dirname, '../../../deploy/examples/config/gateway.yaml') } });
    expect(config).toMatchObject({ http: { port: 8000 }, scheduler: { address: 'llmd-scheduler:9002', pickTimeoutMs: 250 }, upstream: { retries: 2 } });
  });

  it('defaults to the local ports of the design', () => {
    expect(loadConfig(gatewayConfigSchema, { envMap: GATEWAY_ENV, env: {} })).toMatchObject({ http: { port: 8000 }, ops: { port: 9100 }, scheduler: { address: '127.0.0.1:9002' } });
  });

  it.each([
    [{ LLMD_GATEWAY_PORT: '-1' }, 'http.port'],
    [{ LLMD_GATEWAY_SCHEDULER_ADDRESS: 'scheduler' }, 'scheduler.address'],
    [{ LLMD_GATEWAY_UPSTREAM_RETRIES: '9' }, 'upstream.retries'],
    [{ LLMD_KAFKA_ENABLED: 'maybe' }, 'kafka.enabled'],
    [{ LLMD_GATEWAY_WORKERS: '0' }, 'workers'],
    [{ LLMD_GATEWAY_WORKERS: 'many' }, 'workers'],
  ])('%p is refused naming %s', (env, field) => {
    expect(() => loadConfig(gatewayConfigSchema, { envMap: GATEWAY_ENV, env })).toThrow(expect.objectContaining({ field }));
  });

  it.each([
    [{}, 1],
    [{ LLMD_GATEWAY_WORKERS: '4' }, 4],
    [{ LLMD_GATEWAY_WORKERS: 'auto' }, 'auto'],
  ])('%p runs %p workers', (env, workers) => {
    expect(loadConfig(gatewayConfigSchema, { envMap: GATEWAY_ENV, env }).workers).toBe(workers);
  });
});
