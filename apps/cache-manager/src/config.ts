// cache-manager's configuration: env vars (LLMD_CACHE_MANAGER_*) over an optional YAML file (LLMD_CONFIG).
import { hostname } from 'node:os';
import { z } from 'zod';
import { commonEnvMap, kafkaSchema, logLevelSchema, opsSchema, portSchema, shutdownSchema } from '@llmd/platform';

export const cacheManagerConfigSchema = z.object({
  logLevel: logLevelSchema.default('info'),
  grpc: z.object({ host: z.string().default('127.0.0.1'), port: portSchema.default(9003) }).default({ host: '127.0.0.1', port: 9003 }),
  ops: opsSchema.default({ host: '127.0.0.1', port: 9103 }),
  kafka: kafkaSchema.default({ brokers: ['127.0.0.1:9092'], enabled: true, bufferSize: 10000 }),
  shutdown: shutdownSchema.default({ graceMs: 10000 }),
  /**
   * Consumer group of this replica. Every replica must read every KV event (each holds the full
   * index), so the default is unique per host. @default `llmd-cache-manager-<hostname>`
   */
  groupId: z.string().min(1).default(`llmd-cache-manager-${hostname()}`),
});

export type CacheManagerConfig = z.infer<typeof cacheManagerConfigSchema>;

export const CACHE_MANAGER_ENV: Record<string, string> = {
  ...commonEnvMap('LLMD_CACHE_MANAGER'),
  LLMD_CACHE_MANAGER_GRPC_HOST: 'grpc.host',
  LLMD_CACHE_MANAGER_GRPC_PORT: 'grpc.port',
  LLMD_CACHE_MANAGER_GROUP_ID: 'groupId',
};
