import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './config-error';
import { kafkaSchema, portSchema } from './common-schemas';
import { loadConfig } from './load-config';

const schema = z.object({
  grpc: z.object({ port: portSchema.default(9002) }).default({ port: 9002 }),
  kafka: kafkaSchema.default({ brokers: ['127.0.0.1:9092'], enabled: true, bufferSize: 10 }),
  name: z.string().default('x'),
});
const envMap = { LLMD_GRPC_PORT: 'grpc.port', LLMD_KAFKA_BROKERS: 'kafka.brokers', LLMD_NAME: 'name' };

function yamlFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'llmd-config-'));
  const path = join(dir, 'config.yaml');
  writeFileSync(path, text);
  return path;
}

describe('loadConfig', () => {
  it('applies defaults, then the YAML file, then env vars', () => {
    const file = yamlFile('grpc:\n  port: 7000\nname: from-yaml\n');
    const config = loadConfig(schema, { envMap, env: { LLMD_CONFIG: file, LLMD_GRPC_PORT: '7001', LLMD_KAFKA_BROKERS: 'a:1, b:2' } });
    expect(config).toEqual({ grpc: { port: 7001 }, kafka: { brokers: ['a:1', 'b:2'], enabled: true, bufferSize: 10000 }, name: 'from-yaml' });
  });

  it.each([
    [{ LLMD_GRPC_PORT: 'http' }, 'grpc.port', /LLMD_GRPC_PORT/],
    [{ LLMD_GRPC_PORT: '99999' }, 'grpc.port', /65535/],
    [{ LLMD_KAFKA_BROKERS: 'no-port' }, 'kafka.brokers.0', /host:port/],
    [{ LLMD_CONFIG: '/nonexistent/llmd.yaml' }, 'LLMD_CONFIG', /cannot read/],
  ])('%p is refused naming %s', (env, field, message) => {
    let error: unknown;
    try {
      loadConfig(schema, { envMap, env });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe(field);
    expect((error as ConfigError).message).toMatch(message);
  });

  it.each([['grpc: [1, 2'], ['- a list\n- not a mapping\n']])('refuses a bad YAML file %p', (text) => {
    expect(() => loadConfig(schema, { envMap, env: { LLMD_CONFIG: yamlFile(text) } })).toThrow(ConfigError);
  });
});
