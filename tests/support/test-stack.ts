// A full llmd stack for one end-to-end test file: every process on ephemeral ports, the suite's Kafka.
import type { ChannelCredentials, ChannelOptions } from '@grpc/grpc-js';
import { freePorts, LocalStack, type StackOptions } from '@llmd/cli';
import { TestSchedulerClient } from './scheduler-client';
import { until } from './until';

export const E2E_MODEL = 'e2e/llama-3.2-1b';

export interface TestStackOptions {
  env?: Record<string, string>;
  schedulerEnv?: Record<string, string>;
  roles?: ('both' | 'prefill' | 'decode')[];
  simArgs?: string[];
  kvTransfer?: boolean;
  /** Another broker than the suite's (a test that stops its broker brings its own). */
  kafkaBootstrap?: string;
  /** @default 1 */
  timeScale?: number;
  /** Pods added and removed at run time, through this registry folder. */
  scalable?: { registryDir: string };
  autoscalerEnv?: Record<string, string>;
  /** Restart what exits on its own (as `tools/llmd up` does). */
  supervise?: StackOptions['supervise'];
  /** The channel the readiness check reaches a scheduler that requires TLS on. */
  schedulerChannel?: { credentials: ChannelCredentials; options?: ChannelOptions };
  /** Runs after the processes start and before waiting for them (e.g. a server the autoscaler needs). */
  beforeReady?: (stack: LocalStack) => Promise<void>;
}

export async function startTestStack(pods = 2, options: TestStackOptions = {}): Promise<LocalStack> {
  const { env = {}, schedulerEnv, roles, simArgs, kvTransfer, scalable, autoscalerEnv } = options;
  const bootstrap = options.kafkaBootstrap ?? process.env.LLMD_E2E_KAFKA;
  if (!bootstrap) throw new Error('LLMD_E2E_KAFKA is not set: the global setup did not run');
  const [gateway, gatewayOps, scheduler_, schedulerOps, cacheManager, cacheManagerOps, autoscalerOps, operatorOps, ...rest] = await freePorts(8 + pods * 3);
  const sims = rest.slice(0, pods);
  const simKvEvents = sims.map((_, i) => [rest[pods + 2 * i], rest[pods + 2 * i + 1]] as [number, number]);
  const stack = new LocalStack({
    kafkaBootstrap: bootstrap,
    ports: { gateway, gatewayOps, scheduler: scheduler_, schedulerOps, cacheManager, cacheManagerOps, autoscalerOps, operatorOps, sims, simKvEvents },
    model: E2E_MODEL,
    gpuProfile: 'llama-3.2-1b',
    timeScale: options.timeScale ?? 1,
    // No trace collector in tests: spans are still made and propagated, never exported.
    // The tests read the scheduler's and the autoscaler's /debug/decisions (off by default; loopback here).
    env: { OTEL_TRACES_EXPORTER: 'none', LLMD_LOG_LEVEL: 'info', LLMD_SCHEDULER_DEBUG_ENABLED: 'true', LLMD_AUTOSCALER_DEBUG_ENABLED: 'true', ...env },
    schedulerEnv,
    roles,
    simArgs,
    kvTransfer,
    ...(scalable ? { registryDir: scalable.registryDir, scalablePods: true } : {}),
    autoscalerEnv,
    supervise: options.supervise,
  });
  await stack.start();
  try {
    await options.beforeReady?.(stack);
    await stack.waitReady(90000);
    // Ready means the scheduler sees at least one pod; tests want it to see them all.
    const scheduler = new TestSchedulerClient(`${options.schedulerChannel ? 'localhost' : '127.0.0.1'}:${scheduler_}`, options.schedulerChannel);
    try {
      await until(async () => (await scheduler.healthyEndpoints()) === pods, 30000);
    } finally {
      scheduler.close();
    }
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}
