// The autoscaler's configuration: env vars (LLMD_AUTOSCALER_*) over an optional YAML file (LLMD_CONFIG).
import { z } from 'zod';
import { commonEnvMap, kafkaSchema, logLevelSchema, opsSchema, shutdownSchema } from '@llmd/platform';

export const autoscalerConfigSchema = z.object({
  logLevel: logLevelSchema.default('info'),
  ops: opsSchema.default({ host: '127.0.0.1', port: 9104 }),
  kafka: kafkaSchema.default({ brokers: ['127.0.0.1:9092'], enabled: true, bufferSize: 10000 }),
  shutdown: shutdownSchema.default({ graceMs: 10000 }),
  /** Consumer group; replicas share it (one active reader per partition). @default 'llmd-autoscaler' */
  groupId: z.string().min(1).default('llmd-autoscaler'),
  /** An endpoint silent for longer than this no longer counts in its pool. @default 10000 */
  endpointTtlMs: z.coerce.number().int().min(100).default(10000),
});

export type AutoscalerConfig = z.infer<typeof autoscalerConfigSchema>;

export const AUTOSCALER_ENV: Record<string, string> = {
  ...commonEnvMap('LLMD_AUTOSCALER'),
  LLMD_AUTOSCALER_GROUP_ID: 'groupId',
  LLMD_AUTOSCALER_ENDPOINT_TTL_MS: 'endpointTtlMs',
};
