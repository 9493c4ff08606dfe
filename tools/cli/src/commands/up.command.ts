// `llmd up`: Kafka, the five services and the simulated pods, in the foreground until Ctrl-C.
import { join } from 'node:path';
import { GPU_PROFILES } from '@llmd/gpu-cost';
import { defineCommand, ParsedCommand } from '../args';
import { SupervisedBroker } from '../kafka/broker-supervisor';
import { STATE_DIR } from '../paths';
import { REGISTRY_DIR } from '../stack/local-registry';
import { DEFAULT_PORTS, LocalStack } from '../stack/local-stack';

export const upCommand = defineCommand({
  name: 'llmd up',
  summary: 'Kafka, the five services and N vllm-sim pods, in the foreground; Ctrl-C stops them all',
  details: [
    'The OpenAI API listens on 127.0.0.1:8000/v1; pods on 8100 and up; Kafka on 127.0.0.1:9092.',
    'The Kafka broker it starts is this stack\'s: a second `llmd up` is refused while this one runs, and',
    'waits while this one stops. If the broker exits under the running stack, llmd says so and restarts it.',
    `Logs and state in ${STATE_DIR} (LLMD_STATE_DIR).`,
  ].join('\n'),
  flags: {
    pods: { type: 'integer', min: 1, max: 64, default: '4', description: 'simulated vLLM pods' },
    model: { type: 'string', default: 'meta-llama/Llama-3.1-8B-Instruct', valueName: 'NAME', description: 'the model name the pods serve' },
    'gpu-profile': { type: 'string', choices: GPU_PROFILES.flatMap((f) => f.models.map((m) => m.model)), default: 'llama-3-8b', description: 'GPU cost tables the pods are timed from' },
    'time-scale': { type: 'number', min: 0, exclusiveMin: true, default: '1', description: 'wall-clock seconds per simulated second in the pods' },
  },
});

/** What the services log while their broker is away (kafkajs itself, and llmd's Kafka clients). */
const KAFKA_CLIENT_NOISE = /"component":"kafkajs"|consumer crashed|consumer start failed|telemetry send failed|could not read the topics/;

export async function up({ values }: ParsedCommand<typeof upCommand.flags>): Promise<number> {
  const options = { pods: values.pods, model: values.model, gpuProfile: values['gpu-profile'], timeScale: values['time-scale'] };
  const say = (line: string) => process.stdout.write(`llmd: ${line}\n`);
  const alarm = (line: string) => process.stderr.write(`llmd: ERROR ${line}\n`);
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
  // One shutdown, whoever asks first (Ctrl-C, a failed start, a failure of the CLI); it ends the process.
  let stopping: Promise<void> | undefined;
  const shutdown = (code: number): Promise<void> =>
    (stopping ??= (async () => {
      // First, so that a stack started while this one stops waits for it instead of joining its broker.
      broker.markStopping();
      say('stopping ...');
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
    await stack.waitReady(90000);
  } catch (err) {
    // Stopped while starting (Ctrl-C) is not a failure to start; either way the shutdown ends the process.
    if (!stopping) say(`failed to start: ${(err as Error).message}`);
    await shutdown(1);
  }
  if (stopping) return -1;
  say(`ready: OpenAI API on ${stack.gatewayUrl}/v1 serving "${options.model}" from ${options.pods} vllm-sim pods (${options.gpuProfile} cost tables, time scale ${options.timeScale})`);
  say('authentication is off in the local stack');
  say(`logs in ${logDir}; metrics on :${ports.gatewayOps}-${ports.operatorOps}/metrics; Ctrl-C stops everything`);
  say(`more pods: tools/llmd sim serve ${options.model} --port 8200 (they register in ${REGISTRY_DIR})`);
  say(`try: curl ${stack.gatewayUrl}/v1/chat/completions -H 'content-type: application/json' -d '{"model":"${options.model}","messages":[{"role":"user","content":"Hello"}]}'`);
  return -1; // keeps running until Ctrl-C
}
