// vllm-sim: a vLLM-compatible worker simulator timed from measured GPU cost tables.
import { createLogger, startOtel } from '@llmd/platform';
import { createSimServer } from './http/sim-server';
import { parseSimArgs, SimArgsError } from './sim-args';
import { createSimPod } from './sim-pod';

async function main(): Promise<void> {
  let args;
  try {
    args = parseSimArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof SimArgsError) {
      process.stderr.write(`vllm-sim: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const otel = startOtel('vllm-sim');
  const logger = createLogger('vllm-sim', process.env.LLMD_LOG_LEVEL ?? 'info');
  let pod;
  try {
    pod = await createSimPod(args, logger);
  } catch (err) {
    process.stderr.write(`vllm-sim: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const app = createSimServer(pod);
  await app.listen({ host: args.host, port: args.port });
  const address = app.server.address();
  pod.port = typeof address === 'object' && address ? address.port : args.port;
  logger.info(
    { port: pod.port, model: pod.modelNames, loras: pod.loraNames, gpu: pod.device, profile: args.gpuProfile, numGpuBlocks: pod.numGpuBlocks, timeScale: args.timeScale, kvRole: args.kvTransferConfig?.kv_role, kvEvents: args.kvEventsConfig?.enable_kv_cache_events ?? false },
    'vllm-sim serving',
  );

  const stop = async () => {
    await app.close();
    await pod.close();
    await otel.shutdown().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

void main();
