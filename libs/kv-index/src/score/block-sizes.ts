// The KV block size of each pod, learned from its own BlockStored events. The index keys a pod's
// blocks at the size the pod used, so a lookup must cut the prompt at that size too: a configured
// size that differs from the pods' --block-size would find nothing. Configuration only answers for
// pods (and models) no event has been seen from yet.

export interface ConfiguredBlockSizes {
  /** The size where nothing more specific is known. */
  blockSize: number;
  /** Per model, where configured. */
  modelBlockSizes: Record<string, number>;
}

/** A pod reported a block size other than the one configured for its model. */
export type BlockSizeMismatch = (info: { pod: string; model: string; observed: number; configured: number }) => void;

export class BlockSizes {
  private readonly byPod = new Map<string, { model: string; size: number }>();
  /** The size learned last from the model's pods (a new pod, or a pod whose size changed). */
  private readonly byModel = new Map<string, number>();

  constructor(
    private readonly configured: ConfiguredBlockSizes,
    private readonly onMismatch: BlockSizeMismatch = () => undefined,
  ) {}

  /** What the operator configured for the model, before any event. */
  configuredFor(model: string): number {
    return this.configured.modelBlockSizes[model] ?? this.configured.blockSize;
  }

  /** Records the block size of a pod's BlockStored event; reports a mismatch once per change. */
  observe(pod: string, model: string, size: number): void {
    if (!Number.isInteger(size) || size < 1) return;
    const known = this.byPod.get(pod);
    if (known && known.size === size && known.model === model) return;
    this.byPod.set(pod, { model, size });
    if (model) this.byModel.set(model, size);
    const configured = this.configuredFor(model);
    if (size !== configured) this.onMismatch({ pod, model, observed: size, configured });
  }

  /** The model's block size: the one learned last from its pods, else the configured one. */
  ofModel(model: string): number {
    return this.byModel.get(model) ?? this.configuredFor(model);
  }

  /** The pod's block size: its own, else its model's. */
  ofPod(pod: string, model: string): number {
    return this.byPod.get(pod)?.size ?? this.ofModel(model);
  }

  /** The size the pod's own events reported, if any did. */
  reported(pod: string): number | undefined {
    return this.byPod.get(pod)?.size;
  }

  /** A pod that went away. */
  forget(pod: string): void {
    this.byPod.delete(pod);
  }
}
