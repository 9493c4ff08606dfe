// The Pick a caller sends: the prompt as its chunk hashes when the scheduler publishes how to
// compute them (ListEndpoints), so a Pick for a long prompt carries a few KB instead of its text.
import { chatRoutingText, digestPrompt, encodeChunkHashes } from '@llmd/prefix-hash';
import { schedulerv1 } from '@llmd/proto';

/** What a caller knows of a request (the gateway's PickInput). */
export type PickRequestInput = Partial<schedulerv1.PickRequest> & { model: string; prompt: string; messages: { role: string; content: string }[]; promptTokenIds: number[] };

/**
 * The Pick for `input`: with the scheduler's digest spec, the prompt goes as its chunk hashes (computed
 * here, once) and its text is left out unless the spec needs it; without a spec, as text.
 */
export function pickRequestOf(input: PickRequestInput, spec: schedulerv1.PromptDigestSpec | undefined): schedulerv1.PickRequest {
  if (!spec || spec.chunkSize === 0 || spec.tokenChunkSize === 0 || spec.maxChunks === 0) return schedulerv1.PickRequest.fromPartial(input);
  const text = input.prompt || (input.messages.length > 0 ? chatRoutingText(input.messages) : '');
  const d = digestPrompt(spec, input.model, text, input.promptTokenIds);
  const promptDigest: schedulerv1.PromptDigest = { chunkHashes: encodeChunkHashes(d.hashes), chunkSize: d.chunkSize, tokens: d.tokens, promptLength: d.promptLength };
  if (spec.needsText) return schedulerv1.PickRequest.fromPartial({ ...input, promptDigest });
  return schedulerv1.PickRequest.fromPartial({ ...input, prompt: '', messages: [], promptTokenIds: [], promptDigest });
}

