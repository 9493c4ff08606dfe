// `llmd up`: Kafka, the five services and the simulated pods, in the foreground until Ctrl-C.
import { join } from 'node:path';
import { brokerStatus, startBroker, stopBroker } from '../kafka/kafka-broker';
import { ensureTopics } from '../kafka/topics';
import { STATE_DIR } from '../paths';
import { REGISTRY_DIR } from '../stack/local-registry';
import { DEFAULT_PORTS, LocalStack } from '../stack/local-stack';

export interface UpOptions {
  pods: number;
  model: string;
  gpuProfile: string;
  timeScale: number;
}

export async function up(options: UpOptions): Promise<void> {
  const say = (line: string) => process.stdout.write(`llmd: ${line}\n`);
  const startedKafka = !brokerStatus().running;
  const broker = await startBroker({}, say);
  const created = await ensureTopics(broker.bootstrap);
  say(`Kafka ready on ${broker.bootstrap}${created.length ? ` (created ${created.join(', ')})` : ''}`);

  const ports = { ...DEFAULT_PORTS, sims: Array.from({ length: options.pods }, (_, i) => 8100 + i) };
  const logDir = join(STATE_DIR, 'logs');
  const stack = new LocalStack({
    kafkaBootstrap: broker.bootstrap,
    ports,
    model: options.model,
    gpuProfile: options.gpuProfile,
    timeScale: options.timeScale,
    logDir,
    registryDir: REGISTRY_DIR,
    onLine: (service, line) => {
      // Warnings and errors reach the terminal; everything is in the log files.
      if (/"level":"(warn|error|fatal)"/.test(line) || !line.startsWith('{')) process.stdout.write(`[${service}] ${line}\n`);
    },
  });
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping ...');
    await stack.stop();
    if (startedKafka) await stopBroker();
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  await stack.start();
  try {
    await stack.waitReady(90000);
  } catch (err) {
    say(`failed to start: ${(err as Error).message}`);
    await shutdown(1);
    return;
  }
  say(`ready: OpenAI API on ${stack.gatewayUrl}/v1 serving "${options.model}" from ${options.pods} vllm-sim pods (${options.gpuProfile} cost tables, time scale ${options.timeScale})`);
  say('authentication is off in the local stack');
  say(`logs in ${logDir}; metrics on :${ports.gatewayOps}-${ports.operatorOps}/metrics; Ctrl-C stops everything`);
  say(`more pods: tools/llmd sim serve ${options.model} --port 8200 (they register in ${REGISTRY_DIR})`);
  say(`try: curl ${stack.gatewayUrl}/v1/chat/completions -H 'content-type: application/json' -d '{"model":"${options.model}","messages":[{"role":"user","content":"Hello"}]}'`);
}
