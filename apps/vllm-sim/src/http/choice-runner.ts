// One choice of a request as one engine sequence (n choices of a prompt are n sequences sharing its
// blocks through prefix caching), streamed chunk by chunk or collected whole.
import { PhraseGenerator, type FinishedOutput, type TokenSource } from '@llmd/sim-engine';
import type { SimPod } from '../sim-pod';
import { chatLogprobs, completionLogprobs, positionLogprobs, type PositionLogprobs, type TokenText } from './logprobs';
import { Kind, streamChunk, toolCallChunk, type ChoiceOut } from './responses';
import type { SseWriter } from './sse-writer';

export interface ChoiceSpec {
  /** Engine request id (unique per choice). */
  engineId: string;
  index: number;
  promptIds: readonly number[];
  maxTokens: number;
  minTokens: number;
  seed: number;
  ignoreEos: boolean;
  stop: readonly string[];
  lora?: string;
  /** Guided output's tokens (it ends with EOS where its JSON does); undefined: free text. */
  forced?: readonly { id: number; text: string }[];
  toolCall?: { id: string; name: string };
  /** Text put before the output (echo): the prompt, or the last message. */
  echoText?: string;
  /** Prompt token ids echoed with their logprobs (completions with echo and logprobs). */
  echoIds?: readonly number[];
  /** Alternatives per token; undefined: no logprobs. */
  logprobs?: number;
  holdForRemoteDecode?: boolean;
  remoteComputedTokens?: number;
  transferMs?: number;
}

export interface ChoiceResult {
  out: ChoiceOut;
  result: FinishedOutput;
}

export interface StreamTarget {
  kind: Kind;
  id: string;
  model: string;
  created: number;
  sse?: SseWriter;
}

/** Runs one choice; streams its chunks through `target.sse` when given. */
export function runChoice(pod: SimPod, spec: ChoiceSpec, target: StreamTarget, candidates: readonly number[]): Promise<ChoiceResult> {
  const { kind, id, model, created, sse } = target;
  const tokenText: TokenText = (t) => pod.tokenizer.tokenBytes(t).toString('utf8');
  const positions: PositionLogprobs[] = [];
  let text = '';
  let generated = 0;
  let lastTokenAt = 0;
  /** Characters of this choice streamed so far (where the next chunk's text_offset starts). */
  let sent = 0;
  const model_name = pod.modelNames[0];
  const arrival = pod.driver.now();
  const echoPositions = kind === 'completion' && spec.logprobs !== undefined && spec.echoIds ? spec.echoIds.map((t, i) => (i === 0 ? { id: t, prompt: true as const, first: true } : positionLogprobs(t, -1 - i, spec.seed, spec.logprobs as number, candidates))) : [];
  const tokens: TokenSource = spec.forced ? fixed(spec.forced, pod.tokenizer.eosTokenId) : new PhraseGenerator(pod.phrases, spec.seed);
  return new Promise<ChoiceResult>((resolve) => {
    pod.driver.submit(
      {
        id: spec.engineId,
        promptTokenIds: spec.promptIds,
        maxTokens: spec.holdForRemoteDecode ? 1 : spec.maxTokens,
        ignoreEos: spec.forced ? false : spec.ignoreEos,
        eosAfter: spec.forced ? Math.max(1, spec.forced.length) : Math.max(spec.minTokens, 16 + (spec.seed % 240)),
        stop: spec.stop,
        lora: spec.lora,
        tokens,
        holdForRemoteDecode: spec.holdForRemoteDecode,
        remoteComputedTokens: spec.remoteComputedTokens,
        transferMs: spec.transferMs,
      },
      {
        onToken: (t, tokenId) => {
          const now = pod.driver.now();
          if (generated > 0) pod.metrics.itl.observe({ model_name }, (now - lastTokenAt) / 1000);
          lastTokenAt = now;
          const first = generated === 0;
          const lp = spec.logprobs === undefined ? undefined : positionLogprobs(tokenId, generated, spec.seed, spec.logprobs, candidates);
          if (lp) positions.push(lp);
          text += t;
          generated++;
          if (!sse) return;
          const delta = first && spec.echoText ? spec.echoText + t : t;
          let logprobs: unknown = null;
          if (lp) logprobs = kind === 'chat' ? chatLogprobs([lp], tokenText) : completionLogprobs(first ? [...echoPositions, lp] : [lp], tokenText, sent);
          sent += delta.length;
          sse.send(spec.toolCall ? toolCallChunk(id, model, created, spec.index, spec.toolCall, t, first) : streamChunk(kind, id, model, created, { index: spec.index, text: delta, finish: null, first, logprobs }));
        },
        onFinish: (result) => {
          pod.metrics.e2e.observe({ model_name }, (pod.driver.now() - arrival) / 1000);
          let logprobs: unknown = null;
          if (spec.logprobs !== undefined) logprobs = kind === 'chat' ? chatLogprobs(positions, tokenText) : completionLogprobs([...echoPositions, ...positions], tokenText, 0);
          const full = (spec.echoText ?? '') + text;
          resolve({ result, out: { index: spec.index, text: full, finish: result.reason, logprobs, toolCall: spec.toolCall && { ...spec.toolCall, arguments: text } } });
        },
      },
    );
  });
}

/** The fixed output of guided decoding, token by token (past its end, EOS). */
function fixed(pieces: readonly { id: number; text: string }[], eosTokenId: number): TokenSource {
  let i = 0;
  return { next: () => pieces[i++] ?? { id: eosTokenId, text: '' } };
}
