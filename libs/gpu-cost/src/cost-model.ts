// Step times of a simulated vLLM worker, interpolated from GPU cost tables measured on real hardware
// (../profiles/*.json): log-log in prompt length for prefill, linear in batch and context for decode.
import h100 from '../profiles/h100-80gb-hbm3.json';

export interface GpuModelProfile {
  model: string;
  weight_bytes: number;
  kv_bytes_per_token: number;
  prefill_ms: Record<string, number>;
  prefill_behind_prefix_ms: Record<string, number>;
  decode_step_ms: Record<string, Record<string, number>>;
}

export interface GpuBandwidth {
  d2h_GBps: number;
  h2d_GBps: number;
  d2d_GBps_read_plus_write: number;
  disk_write_GBps: number;
  disk_read_GBps: number;
}

export interface GpuProfileFile {
  device: string;
  bandwidth: GpuBandwidth;
  models: GpuModelProfile[];
}

/** The measured tables that ship with llmd (one file per GPU). */
export const GPU_PROFILES: readonly GpuProfileFile[] = [h100 as GpuProfileFile];

export interface GpuProfile {
  device: string;
  profile: GpuModelProfile;
  bandwidth: GpuBandwidth;
}

/** Memory of the GPU the tables were measured on (an 80 GB H100). */
export const GPU_MEMORY_BYTES = 80 * 1024 ** 3;

/**
 * KV-cache blocks a pod has, as vLLM sizes them: the memory `gpuMemoryUtilization` allows, less the
 * weights, in blocks of `blockSize` tokens. 0 or less when the weights leave no room.
 */
export function kvCacheBlocks(profile: Pick<GpuModelProfile, 'weight_bytes' | 'kv_bytes_per_token'>, gpuMemoryUtilization: number, blockSize: number): number {
  return Math.floor((GPU_MEMORY_BYTES * gpuMemoryUtilization - profile.weight_bytes) / (profile.kv_bytes_per_token * blockSize));
}

/** The cost tables of `model` (e.g. `llama-3-8b`) on the first GPU that has them. */
export function loadGpuProfile(model: string, files: readonly GpuProfileFile[] = GPU_PROFILES): GpuProfile {
  for (const f of files) {
    const profile = f.models.find((m) => m.model === model);
    if (profile) return { device: f.device, profile, bandwidth: f.bandwidth };
  }
  const known = files.flatMap((f) => f.models.map((m) => m.model));
  throw new Error(`no GPU profile "${model}" (have: ${known.join(', ')})`);
}

type Point = [number, number];

function points(table: Record<string, number>): Point[] {
  return Object.entries(table)
    .map(([k, v]) => [Number(k), v] as Point)
    .sort((a, b) => a[0] - b[0]);
}

/** Piecewise-linear interpolation over sorted points, extrapolating from the end segments. */
function interpolate(pts: Point[], x: number): number {
  if (pts.length === 1) return pts[0][1];
  let i = 1;
  while (i < pts.length - 1 && x > pts[i][0]) i++;
  const [x0, y0] = pts[i - 1];
  const [x1, y1] = pts[i];
  return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
}

export class CostModel {
  private readonly prefillLogLog: Point[];
  private readonly minPrefillMs: number;
  private readonly decode: { ctx: number; batch: Point[] }[];
  /** Cost of a prefill behind a cached prefix relative to the same prefill alone, by cached fraction. */
  private readonly behindRatio: Point[];

  constructor(
    readonly profile: GpuModelProfile,
    readonly bandwidth?: GpuBandwidth,
  ) {
    const pre = points(profile.prefill_ms);
    // Short prompts cost a near-constant launch floor; log-log fits the compute-bound part above it.
    this.minPrefillMs = Math.min(...pre.map((p) => p[1]));
    this.prefillLogLog = pre.map(([n, ms]) => [Math.log(n), Math.log(ms)]);
    this.decode = Object.entries(profile.decode_step_ms)
      .map(([ctx, byBatch]) => ({ ctx: Number(ctx), batch: points(byBatch) }))
      .sort((a, b) => a.ctx - b.ctx);
    // The behind-prefix table is measured on one 8192-token prompt: at P cached tokens it costs
    // behind[P]; alone, its 8192-P new tokens would cost prefill(8192-P). Their ratio, as a function
    // of the cached fraction, carries the attention-over-the-prefix cost to any prompt length.
    const total = 8192;
    this.behindRatio = points(profile.prefill_behind_prefix_ms)
      .filter(([p]) => p < total)
      .map(([p, ms]) => [p / total, ms / this.prefillMs(total - p)] as Point);
  }

  /**
   * One prefill pass computing `newTokens` behind `cachedTokens` already in the KV cache. Equals the
   * measured tables at their points: prefill_ms when nothing is cached, prefill_behind_prefix_ms for
   * an 8192-token prompt.
   */
  prefillBehindMs(newTokens: number, cachedTokens: number): number {
    if (newTokens <= 0) return 0;
    if (cachedTokens <= 0) return this.prefillMs(newTokens);
    const ratio = interpolate(this.behindRatio, cachedTokens / (cachedTokens + newTokens));
    return this.prefillMs(newTokens) * Math.max(1, ratio);
  }

  /** Moving `tokens` tokens of KV between host and GPU memory. */
  hostToDeviceMs(tokens: number): number {
    const gbps = this.bandwidth?.h2d_GBps ?? 50;
    return (tokens * this.profile.kv_bytes_per_token) / (gbps * 1e6);
  }

  /** Decode-step floor (one sequence, short context): the weight read a mixed step shares with its prefill. */
  decodeFloorMs(): number {
    return this.decodeStepMs(1, this.decode[0].ctx);
  }

  /** One prefill pass over `tokens` new tokens (empty cache). */
  prefillMs(tokens: number): number {
    if (tokens <= 0) return 0;
    const ms = Math.exp(interpolate(this.prefillLogLog, Math.log(tokens)));
    return Math.max(this.minPrefillMs, ms);
  }

  /** One decode step for `batch` sequences at mean context length `context`. */
  decodeStepMs(batch: number, context: number): number {
    if (batch <= 0) return 0;
    const rows = this.decode.map((r) => [r.ctx, interpolate(r.batch, batch)] as Point);
    return Math.max(0.1, interpolate(rows, context));
  }

  kvBytesPerToken(): number {
    return this.profile.kv_bytes_per_token;
  }
}

/** The step-cost model of `model`'s measured tables (what the scheduler's latency prediction is given). */
export function costModelFor(model: string, files: readonly GpuProfileFile[] = GPU_PROFILES): CostModel {
  const gpu = loadGpuProfile(model, files);
  return new CostModel(gpu.profile, gpu.bandwidth);
}
