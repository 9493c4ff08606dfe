// One simulated vLLM pod: tokenizer, engine core and its real-time driver, metrics, KV event publisher.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { CostModel, EngineCore, GpuModelProfile, loadGpuProfile, type StepOutput, type TokenDelta } from '@llmd/sim-engine';
import { EngineDriver } from './engine/engine-driver';
import { ZmqEventPublisher } from './kv-events/zmq-event-publisher';
import { numCpuBlocks, numGpuBlocks, SimArgs, SimArgsError } from './sim-args';
import { SimMetrics } from './sim-metrics';
import { loadTokenizer, TokenizerLoadError, type HfModelTokenizer } from '@llmd/tokenizer';
import { outputPhrases, tokenizerSource } from './output-text';

export interface SimPod {
  args: SimArgs;
  logger: Logger;
  engineId: string;
  device: string;
  profile: GpuModelProfile;
  numGpuBlocks: number;
  driver: EngineDriver;
  metrics: SimMetrics;
  /** The model's own tokenizer (--tokenizer, the model directory, or the family its name suggests). */
  tokenizer: HfModelTokenizer;
  /** What the simulated model says (--output-text), word by word as the model's tokens. */
  phrases: TokenDelta[][];
  /** Base model names the pod answers to (--served-model-name, else the model). */
  modelNames: string[];
  /** LoRA adapters it serves (--lora-modules). */
  loraNames: string[];
  /** Host other pods reach this one at (P/D pulls). */
  advertisedHost: string;
  /** HTTP port, known once listening. */
  port: number;
  linkGbps: number;
  publisher?: ZmqEventPublisher;
  close(): Promise<void>;
}

export async function createSimPod(args: SimArgs, logger: Logger): Promise<SimPod> {
  const gpu = loadGpuProfile(args.gpuProfile);
  const blocks = numGpuBlocks(args, gpu.profile.weight_bytes, gpu.profile.kv_bytes_per_token);
  const source = tokenizerSource(args);
  let tokenizer: HfModelTokenizer;
  try {
    tokenizer = loadTokenizer(source);
  } catch (err) {
    if (err instanceof TokenizerLoadError) throw new SimArgsError(`--tokenizer: ${err.message}`);
    throw err;
  }
  const phrases = await outputPhrases(tokenizer, args.outputText);
  const modelNames = args.servedModelName ?? [args.model];
  const metrics = new SimMetrics(modelNames[0], { blockSize: args.blockSize, numGpuBlocks: blocks });
  const extra = args.kvTransferConfig?.kv_connector_extra_config;
  const core = new EngineCore(new CostModel(gpu.profile, gpu.bandwidth), {
    maxNumSeqs: args.maxNumSeqs,
    maxNumBatchedTokens: args.maxNumBatchedTokens,
    blockSize: args.blockSize,
    numGpuBlocks: blocks,
    cpuBlocks: numCpuBlocks(args, gpu.profile.kv_bytes_per_token),
    enablePrefixCaching: args.enablePrefixCaching,
    maxLoras: args.enableLora ? args.maxLoras : 0,
    hashSeed: args.seed,
    remoteHoldTimeoutMs: (extra?.abort_timeout_s ?? 120) * 1000,
  });
  const events = args.kvEventsConfig;
  const publisher = events?.enable_kv_cache_events && events.publisher === 'zmq' ? new ZmqEventPublisher(events, events.topic || `kv@${args.host}:${args.port}@${modelNames[0]}`, args.kvEventsFormat, logger) : undefined;
  await publisher?.start();

  const model_name = modelNames[0];
  const onStep = (out: StepOutput) => {
    if (out.prefillTokens > 0) metrics.prefillComputed.inc({ model_name }, out.prefillTokens);
    if (out.tokens.length > 0) metrics.generationTokens.inc({ model_name }, out.tokens.length);
    if (out.prefixQueries > 0) metrics.prefixQueries.inc({ model_name }, out.prefixQueries);
    if (out.prefixHits > 0) metrics.prefixHits.inc({ model_name }, out.prefixHits);
    if (out.preemptions > 0) metrics.preemptions.inc({ model_name }, out.preemptions);
    for (const f of out.firstTokens) {
      metrics.promptTokens.inc({ model_name }, f.promptTokens);
      metrics.ttft.observe({ model_name }, f.ttftMs / 1000);
      metrics.queueTime.observe({ model_name }, f.queueMs / 1000);
    }
    publisher?.publish(out.kvEvents);
  };
  const driver = new EngineDriver(core, args.timeScale, onStep);
  metrics.trackDriver(driver.stats);
  driver.start();
  const advertisedHost = kvAdvertisedHost(args, process.env);
  return {
    args,
    logger,
    engineId: args.kvTransferConfig?.engine_id ?? randomUUID(),
    device: gpu.device,
    profile: gpu.profile,
    numGpuBlocks: blocks,
    driver,
    metrics,
    tokenizer,
    phrases,
    modelNames,
    loraNames: args.loraModules.map((m) => m.name),
    advertisedHost,
    port: args.port,
    linkGbps: extra?.link_gbps ?? 25,
    publisher,
    close: async () => {
      await driver.stop();
      await publisher?.close();
    },
  };
}

/**
 * The host a prefill pod hands decode pods to pull its KV blocks from: kv_ip when set, else the
 * NIXL side-channel host (vLLM's VLLM_NIXL_SIDE_CHANNEL_HOST, which the operator sets to the pod IP),
 * else the listening address (loopback when it listens on every interface: the local stack).
 */
export function kvAdvertisedHost(args: Pick<SimArgs, 'kvTransferConfig' | 'host'>, env: NodeJS.ProcessEnv): string {
  if (args.kvTransferConfig?.kv_ip) return args.kvTransferConfig.kv_ip;
  if (env.VLLM_NIXL_SIDE_CHANNEL_HOST) return env.VLLM_NIXL_SIDE_CHANNEL_HOST;
  return args.host === '0.0.0.0' || args.host === '::' ? '127.0.0.1' : args.host;
}
