// What the scheduler knows about a request when it picks.
import type { PromptDigest } from '@llmd/prefix-hash';

export interface SchedulingRequest {
  requestId: string;
  /** Model as the client named it: a base model or a LoRA adapter. */
  model: string;
  /** Prompt text (chat messages flattened), for prefix-aware plugins; empty when the caller sent a digest instead. */
  prompt: string;
  /** The prompt's chunk hashes and length, computed by the caller (PromptDigest); read in place of the text. */
  digest?: PromptDigest;
  /** Token ids when the client sent them. */
  promptTokenIds?: readonly number[];
  /** The chat messages of a chat request (the precise index tokenizes them with the chat template). */
  messages?: readonly { role: string; content: string }[];
  sessionId?: string;
  priority: number;
  maxTokens?: number;
  tenant?: string;
  ttftSloMs?: number;
  /** Fairness id for flow control (x-llm-d-inference-fairness-id). */
  fairnessId?: string;
  /**
   * The caller will report this request's first token (a streamed response): until then its prompt
   * counts as prefill work queued on the pod that computes it (Endpoint.inFlightPrefillTokens).
   */
  reportsFirstToken?: boolean;
}
