// The services that get a chart from helm-gen: each one's zod config schema (the values' `config`)
// and what its values.yaml sets. The config keys are the service's own YAML keys (LLMD_CONFIG):
// the chart renders `config` verbatim into the file, so there is no second vocabulary.
import type { z } from 'zod';
import { cacheManagerConfigSchema } from '../../apps/cache-manager/src/config';
import { schedulerConfigSchema } from '../../apps/scheduler/src/config';
import { chartDefaults, type ChartValues } from './chart-values';

export interface ChartService {
  /** Chart directory under deploy/helm, and the image `llmd-<name>`. */
  name: string;
  description: string;
  configSchema: z.ZodType;
  /** Config keys whose zod default is computed per process (left out of the schema's defaults). */
  perProcessDefaults: string[];
  /**
   * values.yaml's `config`: only what a pod needs that the app's defaults do not give (listening on
   * 0.0.0.0, the ports the Service and probes use, the brokers). Everything else is the app's own
   * default, applied by the app: copying defaults here would be a second copy to drift.
   */
  config: Record<string, unknown>;
  chart: ChartValues;
}

const GATEWAY_PODS = { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'llmd-gateway' } } };
const SCHEDULER_PODS = { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'llmd-scheduler' } } };
/** A Strimzi Kafka cluster named `llmd` in the release namespace (its bootstrap Service). */
const BROKERS = ['llmd-kafka-bootstrap:9092'];

function withNetworkPolicy(service: string, grpcFrom: Record<string, unknown>[], overrides: Partial<ChartValues> = {}): ChartValues {
  const chart = chartDefaults(service, overrides);
  return { ...chart, networkPolicy: { ...chart.networkPolicy, grpcFrom } };
}

export const CHART_SERVICES: ChartService[] = [
  {
    name: 'scheduler',
    description: "llmd's scheduler: the endpoint picker the gateway asks over gRPC (llmd.scheduler.v1.Scheduler).",
    configSchema: schedulerConfigSchema,
    perProcessDefaults: [],
    config: {
      grpc: { host: '0.0.0.0', port: 9002 },
      ops: { host: '0.0.0.0', port: 9102 },
      kafka: { brokers: BROKERS },
    },
    chart: withNetworkPolicy('scheduler', [GATEWAY_PODS]),
  },
  {
    name: 'cache-manager',
    description: "llmd's cache-manager: the KV-block index of every pod, fed by vLLM's KV events, asked by the scheduler over gRPC (llmd.cache.v1.KvCache).",
    configSchema: cacheManagerConfigSchema,
    perProcessDefaults: ['groupId'],
    config: {
      grpc: { host: '0.0.0.0', port: 9003 },
      ops: { host: '0.0.0.0', port: 9103 },
      kafka: { brokers: BROKERS },
    },
    chart: withNetworkPolicy('cache-manager', [SCHEDULER_PODS], {
      resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { memory: '2Gi' } },
    }),
  },
];
