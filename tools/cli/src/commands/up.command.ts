// `llmd up`: Kafka, the five services and the simulated pods, in the foreground until Ctrl-C. With
// --autoscale, the autoscaler sizes the pods' pools through the stack's pool control server.
import { join } from 'node:path';
import { GPU_PROFILES } from '@llmd/gpu-cost';
import { defineCommand, ParsedCommand, UsageError } from '../args';
import { LOCAL_STACK_BACKOFF } from '../backoff';
import { SupervisedBroker } from '../kafka/broker-supervisor';
import { STATE_DIR } from '../paths';
import { REGISTRY_DIR } from '../stack/local-registry';
import { DEFAULT_PORTS, describeSupervisionEvent, LocalStack, poolOf, type PodRole } from '../stack/local-stack';
import { DEFAULT_POOL_CONTROL_PORT, PoolControl, type PoolEvent } from '../stack/pool-control';

export const upCommand = defineCommand({
  name: 'llmd up',
  summary: 'Kafka, the five services and N vllm-sim pods, in the foreground; Ctrl-C stops them all',
  details: [
    'The OpenAI API listens on 127.0.0.1:8000/v1; pods on 8100 and up; Kafka on 127.0.0.1:9092.',
    'The Kafka broker it starts is this stack\'s: a second `llmd up` is refused while this one runs, and',
    'waits while this one stops. If the broker exits under the running stack, llmd says so and restarts it.',
    '--prefill N --decode M runs prefill and decode pools (the scheduler\'s pd profile) instead of --pods.',
    `--autoscale: the autoscaler adds and removes pods of each pool (one per role: unified, prefill,`,
    `decode) through the pool control server on 127.0.0.1:${DEFAULT_POOL_CONTROL_PORT}; each scaling action is printed.`,
    `Logs and state in ${STATE_DIR} (LLMD_STATE_DIR).`,
  ].join('\n'),
  flags: {
    pods: { type: 'integer', min: 1, max: 64, default: '4', description: 'simulated vLLM pods' },
    model: { type: 'string', default: 'meta-llama/Llama-3.1-8B-Instruct', valueName: 'NAME', description: 'the model name the pods serve' },
    'gpu-profile': { type: 'string', choices: GPU_PROFILES.flatMap((f) => f.models.map((m) => m.model)), default: 'llama-3-8b', description: 'GPU cost tables the pods are timed from' },
    'time-scale': { type: 'number', min: 0, exclusiveMin: true, default: '1', description: 'wall-clock seconds per simulated second in the pods' },
    prefill: { type: 'integer', min: 1, max: 64, description: 'prefill pods (with --decode; replaces --pods)' },
    decode: { type: 'integer', min: 1, max: 64, description: 'decode pods (with --prefill; replaces --pods)' },
    autoscale: { type: 'boolean', description: 'let the autoscaler add and remove pods (LLMD_AUTOSCALER_ACTUATOR=local)' },
    'autoscale-policy': { type: 'string', choices: ['saturation', 'slo', 'predictive'], default: 'saturation', description: 'the policy of every pool (with --autoscale)' },
    'max-pods': { type: 'integer', min: 1, max: 64, default: '8', description: 'the most pods of all pools together (with --autoscale)' },
    'slo-ttft-ms': { type: 'number', min: 0, exclusiveMin: true, default: '2000', valueName: 'MS', description: 'TTFT target of the slo and predictive policies' },
    'slo-itl-ms': { type: 'number', min: 0, exclusiveMin: true, default: '50', valueName: 'MS', description: 'inter-token latency target of the slo and predictive policies' },
  },
});

/** What the services log while their broker is away (kafkajs itself, and llmd's Kafka clients). */
const KAFKA_CLIENT_NOISE = /"component":"kafkajs"|consumer crashed|consumer start failed|telemetry send failed|could not read the topics/;

/** The pod roles of the stack: --prefill/--decode, else --pods unified pods. */
export function podRoles(values: { pods: number; prefill?: number; decode?: number }): PodRole[] | string {
  if ((values.prefill === undefined) !== (values.decode === undefined)) return '--prefill and --decode go together';
  if (values.prefill === undefined || values.decode === undefined) return Array.from({ length: values.pods }, () => 'both' as const);
  return [...Array.from({ length: values.prefill }, () => 'prefill' as const), ...Array.from({ length: values.decode }, () => 'decode' as const)];
}

/** One autoscaled pool per role present; each pool may grow while the others keep one pod. */
export function autoscaledPools(roles: PodRole[], policy: string, maxPods: number, slo: { ttftMs: number; itlMs: number }, gpuProfile: string): { name: 'unified' | 'prefill' | 'decode'; autoscaling: unknown }[] {
  const names = [...new Set(roles.map(poolOf))];
  return names.map((name) => ({
    name,
    autoscaling: {
      policy,
      minReplicas: 1,
      maxReplicas: Math.max(1, maxPods - (names.length - 1)),
      // vllm-sim pods start in seconds, not minutes.
      startupSeconds: 5,
      // The capacity model of the slo policy: the cost tables the pods are timed from.
      costProfile: gpuProfile,
      ...(policy === 'saturation' ? {} : { slo }),
    },
  }));
}

/** One line per pool control event. */
export function describePoolEvent(e: PoolEvent): string {
  switch (e.type) {
    case 'scale':
      return `autoscaler: pool ${e.pool} ${e.from} -> ${e.to} replicas`;
    case 'pod-started':
      return `pool ${e.pool}: starting ${e.pod}`;
    case 'pod-ready':
      return `pool ${e.pool}: ${e.pod} ready after ${e.startupSeconds.toFixed(1)} s, receiving traffic`;
    case 'pod-removed':
      return `pool ${e.pool}: ${e.pod} unregistered, drained and stopped`;
    case 'pod-failed':
      return `pool ${e.pool}: ${e.pod ?? 'a pod'} failed: ${e.message}`;
  }
}

export async function up({ values }: ParsedCommand<typeof upCommand.flags>): Promise<number> {
  const say = (line: string) => process.stdout.write(`llmd: ${line}\n`);
  const alarm = (line: string) => process.stderr.write(`llmd: ERROR ${line}\n`);
  const roles = podRoles(values);
  if (typeof roles === 'string') throw new UsageError(upCommand.name, roles);
  const options = { pods: roles.length, model: values.model, gpuProfile: values['gpu-profile'], timeScale: values['time-scale'] };
  const disaggregated = roles.some((r) => r !== 'both');
  if (values.autoscale && values['max-pods'] < roles.length) {
    throw new UsageError(upCommand.name, `--max-pods ${values['max-pods']} is below the ${roles.length} pods the stack starts with`);
  }
  const broker = await SupervisedBroker.start({ log: say, alarm });
  say(`Kafka ready on ${broker.bootstrap}${broker.created.length ? ` (created ${broker.created.join(', ')})` : ''}`);

  // Every pod gets its KV-event ports (a pod without them publishes no KV events, so it is never precisely scored).
  const sims = Array.from({ length: options.pods }, (_, i) => 8100 + i);
  const simKvEvents = sims.map((_, i) => [5557 + 2 * i, 5558 + 2 * i] as [number, number]);
  const ports = { ...DEFAULT_PORTS, sims, simKvEvents };
  const logDir = join(STATE_DIR, 'logs');
  let quieted = false;
  const stack = new LocalStack({
    kafkaBootstrap: broker.bootstrap,
    ports,
    model: options.model,
    gpuProfile: options.gpuProfile,
    timeScale: options.timeScale,
    logDir,
    registryDir: REGISTRY_DIR,
    roles,
    // The decisions views, for whoever runs the stack: loopback callers only (the ops ports listen there).
    env: { LLMD_SCHEDULER_DEBUG_ENABLED: 'true', LLMD_AUTOSCALER_DEBUG_ENABLED: 'true' },
    ...(disaggregated ? { schedulerEnv: { LLMD_SCHEDULER_PROFILE: 'pd' } } : {}),
    scalablePods: values.autoscale,
    // A crashed service or pod is restarted, as a kubelet would, and said.
    supervise: { onEvent: (e) => (e.type === 'failed' ? alarm : say)(describeSupervisionEvent(e)) },
    autoscalerEnv: values.autoscale ? { LLMD_AUTOSCALER_ACTUATOR: 'local', LLMD_AUTOSCALER_LOCAL_URL: `http://127.0.0.1:${DEFAULT_POOL_CONTROL_PORT}` } : undefined,
    onLine: (service, line) => {
      // Warnings and errors reach the terminal; everything is in the log files. While the broker is
      // down the supervisor has said so once: the services' Kafka reconnect warnings only go to the files.
      if (!/"level":"(warn|error|fatal)"/.test(line) && line.startsWith('{')) return;
      if (KAFKA_CLIENT_NOISE.test(line) && broker.inOutage()) {
        if (!quieted) say(`the services' Kafka reconnect warnings go to ${logDir} only, until Kafka is back`);
        quieted = true;
        return;
      }
      quieted = false;
      process.stdout.write(`[${service}] ${line}\n`);
    },
  });
  let control: PoolControl | undefined;
  // One shutdown, whoever asks first (Ctrl-C, a failed start, a failure of the CLI); it ends the process.
  let stopping: Promise<void> | undefined;
  const shutdown = (code: number): Promise<void> =>
    (stopping ??= (async () => {
      // First, so that a stack started while this one stops waits for it instead of joining its broker.
      broker.markStopping();
      say('stopping ...');
      await control?.close();
      await stack.stop();
      await broker.stop();
      say('stopped');
      process.exit(code);
    })());
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  // The CLI holds the stack's processes and its broker: if it fails, it takes them down with it rather
  // than leave them orphaned, holding the ports and the broker's ownership. A closed terminal or pipe
  // (EPIPE on stdout, e.g. `npm start | head`) is not a failure: the stack keeps running.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  process.on('uncaughtException', (err) => {
    alarm(`llmd failed (${err.message}); stopping the stack`);
    void shutdown(1);
  });

  await stack.start();
  try {
    if (values.autoscale) {
      // Before the autoscaler is ready: it lists the pools from this server.
      control = new PoolControl({
        launcher: stack,
        model: options.model,
        maxPods: values['max-pods'],
        pools: autoscaledPools(roles, values['autoscale-policy'], values['max-pods'], { ttftMs: values['slo-ttft-ms'], itlMs: values['slo-itl-ms'] }, options.gpuProfile),
        onEvent: (e) => say(describePoolEvent(e)),
      });
      await control.listen(DEFAULT_POOL_CONTROL_PORT);
    }
    await stack.waitReady(90000);
  } catch (err) {
    // Stopped while starting (Ctrl-C) is not a failure to start; either way the shutdown ends the process.
    if (!stopping) say(`failed to start: ${(err as Error).message}`);
    await shutdown(1);
  }
  if (stopping) return -1;
  const podsLine = disaggregated ? `${values.prefill} prefill + ${values.decode} decode vllm-sim pods` : `${options.pods} vllm-sim pods`;
  say(`ready: OpenAI API on ${stack.gatewayUrl}/v1 serving "${options.model}" from ${podsLine} (${options.gpuProfile} cost tables, time scale ${options.timeScale})`);
  if (control) say(`autoscaling (${values['autoscale-policy']}) up to ${values['max-pods']} pods; pools on http://127.0.0.1:${DEFAULT_POOL_CONTROL_PORT}/pools, decisions on :${ports.autoscalerOps}/debug/decisions`);
  say('authentication is off in the local stack');
  say(`a service or pod that exits is restarted after ${LOCAL_STACK_BACKOFF.baseMs / 1000} s, doubling to ${LOCAL_STACK_BACKOFF.maxMs / 1000} s while it keeps failing`);
  say(`logs in ${logDir}; metrics on :${ports.gatewayOps}-${ports.operatorOps}/metrics; Ctrl-C stops everything`);
  say(`more pods: tools/llmd sim serve ${options.model} --port 8200 (they register in ${REGISTRY_DIR})`);
  say(`try: curl ${stack.gatewayUrl}/v1/chat/completions -H 'content-type: application/json' -d '{"model":"${options.model}","messages":[{"role":"user","content":"Hello"}]}'`);
  return -1; // keeps running until Ctrl-C
}
