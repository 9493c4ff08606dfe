// The operator's configuration: env vars (LLMD_OPERATOR_*) over an optional YAML file (LLMD_CONFIG).
import { z } from 'zod';
import { logLevelSchema, opsSchema, shutdownSchema } from '@llmd/platform';

const dns1123 = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label');

export const operatorConfigSchema = z.object({
  logLevel: logLevelSchema.default('info'),
  ops: opsSchema.default({ host: '127.0.0.1', port: 9105 }),
  shutdown: shutdownSchema.default({ graceMs: 10000 }),
  /** Namespaces whose llm-d.io resources are reconciled; empty means all. @default [] */
  watchNamespaces: z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : v.split(',').map((s) => s.trim()).filter(Boolean)))
    .pipe(z.array(dns1123))
    .default([]),
  /** Reconciles run at once across different resources. @default 4 */
  concurrency: z.coerce.number().int().min(1).max(64).default(4),
  /** Path of a kubeconfig; in-cluster credentials when unset. */
  kubeconfig: z.string().min(1).optional(),
});

export type OperatorConfig = z.infer<typeof operatorConfigSchema>;

export const OPERATOR_ENV: Record<string, string> = {
  LLMD_OPERATOR_OPS_PORT: 'ops.port',
  LLMD_OPERATOR_OPS_HOST: 'ops.host',
  LLMD_LOG_LEVEL: 'logLevel',
  LLMD_SHUTDOWN_GRACE_MS: 'shutdown.graceMs',
  LLMD_OPERATOR_WATCH_NAMESPACES: 'watchNamespaces',
  LLMD_OPERATOR_CONCURRENCY: 'concurrency',
  KUBECONFIG: 'kubeconfig',
};
