// One request inside the simulated engine.

export type FinishReason = 'stop' | 'length' | 'abort';

export interface SequenceListener {
  /** A token was generated at simulated time `simMs` (ms since the sequence arrived). */
  onToken(text: string): void;
  onFinish(reason: FinishReason): void;
}

export interface Sequence {
  id: string;
  promptTokens: number;
  maxTokens: number;
  /** Generated texts that end the sequence early (OpenAI `stop`). */
  stop: readonly string[];
  ignoreEos: boolean;
  /** Where the simulated model emits EOS (ignored with ignore_eos). */
  eosAfter: number;
  nextToken: () => string;
  listener: SequenceListener;
  arrivedAt: number;
  // engine state
  generated: number;
  text: string;
  blocks: number;
  prefilled: boolean;
  scheduledAt?: number;
  firstTokenAt?: number;
  lastTokenAt?: number;
  cancelled: boolean;
}
