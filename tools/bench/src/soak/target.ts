// What the soak drives: the local stack it starts itself, or a running `tools/llmd cluster demo`.
// Everything after the start (load, chaos, checks) sees only this.
import type { Broker, Processes } from './chaos-runner';
import type { KvPod } from './kv-truth';
import type { SampledService } from './service-sampler';
import type { GatewayTarget } from './soak-client';
import type { MixOptions } from './workload';

export interface SoakTarget {
  /** Served model name requests ask for. */
  model: string;
  /** The request mix this target serves: tenants (keys sent) where its gateways have auth on, LoRA where its pods have the adapter. */
  mix: MixOptions;
  gateways: GatewayTarget[];
  /** The pods the chaos schedule may kill (`sim-0`, ...). */
  pods: string[];
  bootstrap: string;
  broker: Broker;
  processes: Processes;
  services: SampledService[];
  schedulerMetricsUrl: string;
  /** cache-manager's gRPC address (host:port). */
  cacheManager: string;
  /** The pods' replay sockets, read at the end for the index check. */
  kvPods(): Promise<KvPod[]>;
  /** Every service and pod serving. */
  waitReady(timeoutMs: number): Promise<void>;
  /** Called with a service's name when it serves again after a restart. */
  onReady(listener: (service: string) => void): void;
  /** What the soak started, stopped; what it changed on a cluster, put back. */
  teardown(): Promise<void>;
  /** Where the services' logs are. */
  logs: string;
}
