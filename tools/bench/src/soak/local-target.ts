// The soak's own local stack: its own Kafka broker, P/D pods, two or more gateway replicas, all
// supervised (a killed process is restarted by LocalStack, as a kubelet would).
import { join } from 'node:path';
import { mkdirSync, rmSync } from 'node:fs';
import { describeSupervisionEvent, ensureTopics, freePorts, LocalStack, startBroker, stopBroker, waitForBrokerServing, type StackPorts } from '@llmd/cli';
import type { SoakTarget } from './target';
import { LORA_ADAPTER, TENANTS } from './workload';

export const LOCAL_MODEL = 'soak/llama-3.2-1b';

export interface LocalTargetOptions {
  runDir: string;
  prefill: number;
  decode: number;
  gateways: number;
  timeScale: number;
  timeoutS: number;
  durationMs: number;
  say: (line: string) => void;
}

export async function startLocalTarget(o: LocalTargetOptions): Promise<SoakTarget> {
  mkdirSync(o.runDir, { recursive: true });
  const roles = [...Array.from({ length: o.prefill }, () => 'prefill' as const), ...Array.from({ length: o.decode }, () => 'decode' as const)];
  const pods = roles.map((_, i) => `sim-${i}`);
  const [kafkaPort, controllerPort, ...ports] = await freePorts(2 + 8 + 2 * (o.gateways - 1) + roles.length * 3);
  const brokerOptions = { port: kafkaPort, controllerPort, dir: join(o.runDir, 'kafka'), heap: '384m' };
  const broker = {
    start: async () => {
      await startBroker(brokerOptions);
      // Coordinating groups and handing out producer ids, not just answering metadata.
      await waitForBrokerServing(`127.0.0.1:${kafkaPort}`);
    },
    stop: async () => {
      await stopBroker(brokerOptions);
    },
  };
  o.say(`starting Kafka on 127.0.0.1:${kafkaPort} (the soak's own; it stops and starts it)`);
  await broker.start();
  const bootstrap = `127.0.0.1:${kafkaPort}`;
  await ensureTopics(bootstrap);

  const [gateway, gatewayOps, scheduler, schedulerOps, cacheManager, cacheManagerOps, autoscalerOps, operatorOps, ...rest] = ports;
  const extraGateways = Array.from({ length: o.gateways - 1 }, (_, i) => ({ port: rest[2 * i], ops: rest[2 * i + 1] }));
  const podPorts = rest.slice(2 * (o.gateways - 1));
  const sims = podPorts.slice(0, roles.length);
  const simKvEvents = sims.map((_, i) => [podPorts[roles.length + 2 * i], podPorts[roles.length + 2 * i + 1]] as [number, number]);
  const stackPorts: StackPorts = { gateway, gatewayOps, scheduler, schedulerOps, cacheManager, cacheManagerOps, autoscalerOps, operatorOps, sims, simKvEvents, extraGateways };
  const listeners: ((service: string) => void)[] = [];
  const logs = join(o.runDir, 'logs');
  const stack = new LocalStack({
    kafkaBootstrap: bootstrap,
    ports: stackPorts,
    model: LOCAL_MODEL,
    gpuProfile: 'llama-3.2-1b',
    timeScale: o.timeScale,
    logDir: logs,
    env: { OTEL_TRACES_EXPORTER: 'none', LLMD_LOG_LEVEL: 'warn' },
    roles,
    loraAdapters: [LORA_ADAPTER],
    // The index check rebuilds each pod's pool from its whole replay history: room for ~200 batches a
    // second (a pod here makes ~50-100 under load) over the run, the ramp and the start.
    kvEventsBufferSteps: Math.max(10000, Math.ceil(200 * (o.durationMs / 1000 + 180))),
    schedulerEnv: { LLMD_SCHEDULER_PROFILE: 'pd' },
    gatewayEnv: {
      LLMD_GATEWAY_AUTH_ENABLED: 'true',
      LLMD_GATEWAY_API_KEYS: JSON.stringify(Object.values(TENANTS)),
      // A stalled pod is ended with an explicit error well inside the client's timeout.
      LLMD_GATEWAY_UPSTREAM_TIMEOUT_MS: String(Math.round(o.timeoutS * 1000 * 0.75)),
    },
    supervise: {
      onEvent: (e) => {
        if (e.type === 'ready') for (const l of listeners) l(e.service);
        o.say(describeSupervisionEvent(e));
      },
    },
  });
  let stopped = false;
  const teardown = async () => {
    if (stopped) return;
    stopped = true;
    await stack.stop(10000).catch(() => undefined);
    await broker.stop().catch(() => undefined);
    rmSync(brokerOptions.dir, { recursive: true, force: true });
  };
  try {
    await stack.start();
    await stack.waitReady(120000);
  } catch (err) {
    await teardown();
    throw err;
  }
  const gatewayNames = Array.from({ length: o.gateways }, (_, i) => (i === 0 ? 'gateway' : `gateway-${i}`));
  o.say(`stack ready: ${o.prefill} prefill + ${o.decode} decode pods, ${o.gateways} gateways (${[gateway, ...extraGateways.map((g) => g.port)].map((p) => `:${p}`).join(', ')}); logs in ${logs}`);
  const opsOf: Record<string, number> = { gateway: gatewayOps, scheduler: schedulerOps, 'cache-manager': cacheManagerOps, autoscaler: autoscalerOps, operator: operatorOps, ...Object.fromEntries(extraGateways.map((g, i) => [`gateway-${i + 1}`, g.ops])) };
  return {
    model: LOCAL_MODEL,
    mix: {},
    gateways: gatewayNames.map((name, i) => ({ name, url: `http://127.0.0.1:${i === 0 ? gateway : extraGateways[i - 1].port}` })),
    pods,
    bootstrap,
    broker,
    processes: { pidOf: (name) => stack.pidOf(name), kill: async (name, signal) => void (await stack.kill(name, signal)) },
    services: [
      ...Object.entries(opsOf).map(([name, port]) => ({ name, metricsUrl: `http://127.0.0.1:${port}/metrics`, pid: () => stack.pidOf(name), gateway: name.startsWith('gateway') })),
      ...pods.map((name, i) => ({ name, metricsUrl: `http://127.0.0.1:${sims[i]}/metrics`, pid: () => stack.pidOf(name), gateway: false })),
    ],
    schedulerMetricsUrl: `http://127.0.0.1:${schedulerOps}/metrics`,
    cacheManager: `127.0.0.1:${cacheManager}`,
    kvPods: async () => pods.map((id, i) => ({ id, replayEndpoint: `tcp://127.0.0.1:${simKvEvents[i][1]}` })),
    waitReady: (ms) => stack.waitReady(ms),
    onReady: (listener) => listeners.push(listener),
    teardown,
    logs,
  };
}
