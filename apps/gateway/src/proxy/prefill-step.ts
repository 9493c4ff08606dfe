// The first step of a disaggregated request (vLLM's NixlConnector protocol): the prefill pod computes
// the prompt with max_tokens 1 and do_remote_decode, and answers with the kv_transfer_params the
// decode pod needs to pull the KV instead of recomputing it.
import { Dispatcher, request } from 'undici';
import { readCapped } from './capped-body';

export type PrefillOutcome = { ok: true; kvTransferParams: Record<string, unknown> } | { ok: false; reason: string };

export interface PrefillOptions {
  dispatcher: Dispatcher;
  address: string;
  path: string;
  body: Record<string, unknown>;
  headers: Record<string, string>;
  signal: AbortSignal;
  timeoutMs: number;
  /** A larger answer is a failed prefill (the request falls back to the decode pod alone). */
  maxResponseBytes: number;
}

/** The prefill request's body: the client's request, generating one token, not streamed, asking to hold the KV. */
export function prefillBody(body: Record<string, unknown>): Record<string, unknown> {
  const { stream: _s, stream_options: _o, max_completion_tokens: _m, ...rest } = body;
  return {
    ...rest,
    max_tokens: 1,
    stream: false,
    kv_transfer_params: { do_remote_decode: true, do_remote_prefill: false, remote_engine_id: null, remote_block_ids: null, remote_host: null, remote_port: null },
  };
}

export async function runPrefill(o: PrefillOptions): Promise<PrefillOutcome> {
  try {
    const res = await request(`http://${o.address}${o.path}`, {
      dispatcher: o.dispatcher,
      method: 'POST',
      headers: o.headers,
      body: JSON.stringify(prefillBody(o.body)),
      signal: o.signal,
      headersTimeout: o.timeoutMs,
      bodyTimeout: o.timeoutMs,
    });
    const text = await readCapped(res.body, o.maxResponseBytes);
    if (res.statusCode >= 400) return { ok: false, reason: `status ${res.statusCode}` };
    const params = (JSON.parse(text) as { kv_transfer_params?: unknown }).kv_transfer_params;
    if (!params || typeof params !== 'object') return { ok: false, reason: 'no kv_transfer_params' };
    return { ok: true, kvTransferParams: params as Record<string, unknown> };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}
