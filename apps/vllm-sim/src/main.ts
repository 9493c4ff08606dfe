// vllm-sim: a vLLM-compatible worker simulator timed from measured GPU cost tables.
import { createLogger, startOtel } from '@llmd/platform';
import { CostModel, loadGpuProfile } from './engine/cost-model';
import { Engine } from './engine/engine';
import { createSimServer } from './http/sim-server';
import { numGpuBlocks, parseSimArgs, SimArgsError } from './sim-args';
import { SimMetrics } from './sim-metrics';

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
  let gpu;
  try {
    gpu = loadGpuProfile(args.gpuProfile);
  } catch (err) {
    process.stderr.write(`vllm-sim: --gpu-profile: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const blocks = numGpuBlocks(args, gpu.profile.weight_bytes, gpu.profile.kv_bytes_per_token);
  const modelNames = args.servedModelName ?? [args.model];
  const metrics = new SimMetrics(modelNames[0], { blockSize: args.blockSize, numGpuBlocks: blocks });
  const engine = new Engine(
    new CostModel(gpu.profile),
    { maxNumSeqs: args.maxNumSeqs, maxNumBatchedTokens: args.maxNumBatchedTokens, blockSize: args.blockSize, numGpuBlocks: blocks, timeScale: args.timeScale },
    {
      onPromptTokens: (n) => metrics.promptTokens.inc({ model_name: modelNames[0] }, n),
      onGenerationTokens: (n) => metrics.generationTokens.inc({ model_name: modelNames[0] }, n),
      onFirstToken: (_s, ttft, queue) => {
        metrics.ttft.observe({ model_name: modelNames[0] }, ttft / 1000);
        metrics.queueTime.observe({ model_name: modelNames[0] }, queue / 1000);
      },
      onInterToken: (ms) => metrics.itl.observe({ model_name: modelNames[0] }, ms / 1000),
      onFinished: (_s, e2e) => metrics.e2e.observe({ model_name: modelNames[0] }, e2e / 1000),
    },
  );
  const app = createSimServer({ engine, metrics, logger, modelNames, maxModelLen: args.maxModelLen, seed: args.seed });
  await app.listen({ host: args.host, port: args.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : args.port;
  logger.info({ port, model: modelNames, gpu: gpu.device, profile: args.gpuProfile, numGpuBlocks: blocks, timeScale: args.timeScale }, 'vllm-sim serving');

  const stop = async () => {
    await app.close();
    await otel.shutdown().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

void main();
