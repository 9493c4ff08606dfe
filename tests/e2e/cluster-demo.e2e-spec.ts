// `tools/llmd cluster demo` and the loop it builds, on a real control plane whose node agent runs the
// pods as local processes: every chart installed with helm, the brief's disaggregated example on
// vllm-sim, requests from the real openai client through the gateway's Service. Then what a platform
// team does to a running fleet: scale the decode pool through /scale, lose a pod mid-stream, restart
// the operator and the scheduler, delete the LLMDeployment. One cluster for the file; the tests run
// in order on the state the previous one left.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { DIST, freePortRun, REPO_ROOT } from '@llmd/cli';
import { until } from '../support/until';

const NS = 'llmd';
const MODEL = 'meta-llama/Llama-2-70b-hf';
/** A new decode pod must serve a request within this long of the scale-up (stated in the note). */
const SCALE_UP_BOUND_MS = 90000;
/** After a load step, the autoscaler's new decode pod must serve a request within this long (stated in the note). */
const AUTOSCALE_BOUND_MS = 120000;

interface Run {
  code: number;
  out: string;
}

type Pod = { metadata: { name: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string }; status?: { podIP?: string; conditions?: { type: string; status: string }[] } };

describe('tools/llmd cluster demo, and the fleet it runs', () => {
  let dir: string;
  let kubeconfig: string;
  let demoOut = '';
  let baseURL = '';

  const run = (file: string, args: string[]): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn(file, args, { cwd: REPO_ROOT, env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => out.push(b));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code: code ?? 1, out: Buffer.concat(out).toString() }));
    });
  const cli = (...args: string[]) => run(process.execPath, [join(DIST, 'tools/cli/src/main.js'), ...args]);
  const kubectl = async (...args: string[]) => {
    const r = await run(join(REPO_ROOT, '.llmd/k8s/bin/kubectl'), args);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.out}`);
    return r.out;
  };
  const pods = async (selector: string): Promise<Pod[]> => (JSON.parse(await kubectl('-n', NS, 'get', 'pods', '-l', selector, '-o', 'json')) as { items: Pod[] }).items;
  const ready = (p: Pod) => !p.metadata.deletionTimestamp && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  const readyPods = async (selector: string) => (await pods(selector)).filter(ready);
  const metric = async (ip: string, port: number, name: string, labels = ''): Promise<number> => {
    const text = await (await fetch(`http://${ip}:${port}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels)) ?? text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  };
  const eventually = (what: string, cond: () => Promise<boolean>, ms = 120000) =>
    until(() => cond().catch(() => false), ms).catch(() => {
      throw new Error(`timed out waiting for ${what} (cluster state in ${dir})`);
    });
  const client = () => new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0 });
  const longPrompt = (seed: string) => `${seed} `.repeat(300);
  /** vLLM's own request fields, beside OpenAI's (the openai client sends them as they are). */
  const vllmOnly = (fields: { ignore_eos: boolean }) => fields as object;
  const DECODE = 'llm-d.io/deployment=llama-disaggregated,llm-d.ai/role=decode';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'llmd-demo-'));
    kubeconfig = join(dir, 'cluster', 'kubeconfig');
    const port = await freePortRun(5);
    const demo = await cli('cluster', 'demo', '--dir', join(dir, 'cluster'), '--port', String(port), '--kafka', process.env.LLMD_E2E_KAFKA ?? '');
    demoOut = demo.out;
    if (demo.code !== 0) throw new Error(`cluster demo failed:\n${demo.out}`);
  }, 900000);

  afterAll(async () => {
    if (dir) await cli('cluster', 'down', '--purge', '--dir', join(dir, 'cluster'));
    rmSync(dir, { recursive: true, force: true });
  }, 120000);

  it('ends with where to send requests, and the real openai client streams an answer through the prefill/decode pools', async () => {
    const last = demoOut.trim().split('\n').pop() ?? '';
    expect(last).toMatch(/^OPENAI_BASE_URL=http:\/\/127\.0\.0\.1:\d+\/v1$/);
    baseURL = last.slice('OPENAI_BASE_URL='.length);
    const stream = await client().chat.completions.create({ model: MODEL, stream: true, max_tokens: 16, messages: [{ role: 'user', content: longPrompt('disaggregate me') }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text.length).toBeGreaterThan(0);
    const [scheduler] = await readyPods('app.kubernetes.io/name=llmd-scheduler');
    // The scheduler found the pools through its informer and split the long prompt across them.
    expect(await metric(scheduler.status!.podIP!, 9102, 'llmd_scheduler_picks_total', 'result="disaggregated"')).toBeGreaterThanOrEqual(1);
    // cache-manager indexed the pods' KV events (ZMQ -> Kafka -> index).
    const [cacheManager] = await readyPods('app.kubernetes.io/name=llmd-cache-manager');
    await eventually('blocks in the KV index', async () => (await metric(cacheManager.status!.podIP!, 9103, 'llmd_cache_manager_index_size_blocks')) > 0, 30000);
  }, 120000);

  it(`scaling the decode pool through its /scale subresource makes a pod that serves a request within ${SCALE_UP_BOUND_MS / 1000} s`, async () => {
    const before = new Set((await readyPods(DECODE)).map((p) => p.metadata.uid));
    expect(before.size).toBe(6);
    const t0 = Date.now();
    await kubectl('-n', NS, 'scale', 'servingpool', 'llama-disaggregated-decode', '--replicas=7');
    let fresh: Pod | undefined;
    await eventually('a seventh ready decode pod', async () => {
      fresh = (await readyPods(DECODE)).find((p) => !before.has(p.metadata.uid));
      return fresh !== undefined;
    }, SCALE_UP_BOUND_MS);
    const ip = fresh!.status!.podIP!;
    let i = 0;
    await eventually('a request served by the new pod', async () => {
      await client().chat.completions.create({ model: MODEL, max_tokens: 4, messages: [{ role: 'user', content: longPrompt(`scale ${i++}`) }] });
      return (await metric(ip, 8000, 'vllm:generation_tokens_total')) > 0;
    }, SCALE_UP_BOUND_MS - (Date.now() - t0));
    process.stdout.write(`scale-up to the first request served by the new decode pod: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }, 240000);

  it('a decode pod killed mid-stream: the client gets an SSE error event, and the Deployment replaces the pod', async () => {
    const res = await fetch(`${baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, stream: true, max_tokens: 4000, ignore_eos: true, messages: [{ role: 'user', content: longPrompt('a long answer') }] }),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    const read = async () => {
      const { value, done } = await reader.read();
      if (value) text += Buffer.from(value).toString();
      return !done;
    };
    while (!text.includes('"content"')) await read();
    // The decode pod streaming it: the one with a running request.
    const decodes = await readyPods(DECODE);
    let victim: Pod | undefined;
    for (const p of decodes) if ((await metric(p.status!.podIP!, 8000, 'vllm:num_requests_running')) > 0) victim = p;
    expect(victim).toBeDefined();
    await kubectl('-n', NS, 'delete', 'pod', victim!.metadata.name, '--grace-period=0', '--force');
    while (await read());
    const events = text.split('\n').filter((l) => l.startsWith('data: ') && l !== 'data: [DONE]').map((l) => JSON.parse(l.slice(6)) as { error?: { type: string; code: string; message: string } });
    expect(events.at(-1)?.error).toMatchObject({ type: 'server_error', code: expect.stringMatching(/^upstream_/), message: expect.stringMatching(/inference endpoint/) });
    await eventually('seven ready decode pods again, the killed one replaced', async () => {
      const now = await readyPods(DECODE);
      return now.length === 7 && !now.some((p) => p.metadata.uid === victim!.metadata.uid);
    });
  }, 240000);

  it('the operator and the scheduler, their pods deleted, come back and converge: the pool scales back and requests are answered', async () => {
    await kubectl('-n', NS, 'delete', 'pod', '-l', 'app.kubernetes.io/name in (llmd-operator,llmd-scheduler)', '--wait=false');
    await kubectl('-n', NS, 'scale', 'servingpool', 'llama-disaggregated-decode', '--replicas=6');
    await kubectl('-n', NS, 'wait', '--for=condition=Available', 'deployment/operator', 'deployment/scheduler', '--timeout=120s');
    // Only a working operator turns the pool's 6 into its Deployment's 6.
    await eventually('six ready decode pods', async () => (await readyPods(DECODE)).length === 6 && (await pods(DECODE)).length === 6);
    await eventually('an answer through the new scheduler', async () => {
      const r = await client().chat.completions.create({ model: MODEL, max_tokens: 4, messages: [{ role: 'user', content: longPrompt('again') }] });
      return (r.choices[0].message.content ?? '').length > 0 && r.usage?.completion_tokens === 4;
    }, 60000);
  }, 300000);

  it(`the autoscaler, told to size the decode pool, brings it into its bounds and adds a pod on a load step that serves within ${AUTOSCALE_BOUND_MS / 1000} s`, async () => {
    // Decisions every 2 s instead of the HPA's 15 (a helm upgrade of the release, as a user would do it).
    const upgrade = await run(join(REPO_ROOT, '.llmd/k8s/bin/helm'), ['upgrade', 'autoscaler', join(REPO_ROOT, 'deploy/helm/autoscaler'), '-n', NS, '--reuse-values', '--set', 'config.syncSeconds=2', '--wait', '--timeout', '120s']);
    expect(upgrade).toMatchObject({ code: 0 });
    // Two sequences per decode pod, so a small step saturates the pool; the saturation policy between 2 and 3 pods.
    const autoscaling = { policy: 'saturation', minReplicas: 2, maxReplicas: 3, startupSeconds: 5, behavior: { scaleUp: { stabilizationWindowSeconds: 0 }, scaleDown: { stabilizationWindowSeconds: 0 } } };
    await kubectl('-n', NS, 'patch', 'llmdeployment', 'llama-disaggregated', '--type=merge', '-p', JSON.stringify({ spec: { serving: { decode: { args: ['--max-num-seqs', '2'], autoscaling } } } }));
    const poolReplicas = async () => (JSON.parse(await kubectl('-n', NS, 'get', 'servingpool', 'llama-disaggregated-decode', '-o', 'json')) as { spec: { replicas: number } }).spec.replicas;
    // Idle, the pool goes from 6 to its maximum at once, then one pod fewer while the load fits.
    await eventually('the decode pool sized down to its minimum, 2 pods ready', async () => (await poolReplicas()) === 2 && (await pods(DECODE)).length === 2 && (await readyPods(DECODE)).length === 2, 180000);
    const before = new Set((await readyPods(DECODE)).map((p) => p.metadata.uid));
    // The step: twelve clients streaming long answers back to back on two pods of two sequences (four
    // waiting on each), until the autoscaler's pod has served; then they finish what they started.
    const t0 = Date.now();
    let stepping = true;
    const step = Array.from({ length: 12 }, async (_, w) => {
      const tokens: number[] = [];
      for (let r = 0; stepping; r++) {
        const stream = await client().chat.completions.create({ model: MODEL, stream: true, stream_options: { include_usage: true }, max_tokens: 600, messages: [{ role: 'user', content: longPrompt(`load step ${w}.${r}`) }], ...vllmOnly({ ignore_eos: true }) });
        let n = 0;
        for await (const chunk of stream) n = chunk.usage?.completion_tokens ?? n;
        tokens.push(n);
      }
      return tokens;
    });
    await eventually('the autoscaler asking for a third decode pod', async () => (await poolReplicas()) === 3, AUTOSCALE_BOUND_MS);
    let fresh: Pod | undefined;
    await eventually('a third ready decode pod', async () => {
      fresh = (await readyPods(DECODE)).find((p) => !before.has(p.metadata.uid));
      return fresh !== undefined;
    }, AUTOSCALE_BOUND_MS - (Date.now() - t0));
    const ip = fresh!.status!.podIP!;
    let i = 0;
    await eventually('a request served by the autoscaler\'s pod', async () => {
      if ((await metric(ip, 8000, 'vllm:generation_tokens_total')) > 0) return true;
      await client().chat.completions.create({ model: MODEL, max_tokens: 4, messages: [{ role: 'user', content: longPrompt(`after the step ${i++}`) }] });
      return (await metric(ip, 8000, 'vllm:generation_tokens_total')) > 0;
    }, AUTOSCALE_BOUND_MS - (Date.now() - t0));
    process.stdout.write(`load step to the first request served by the autoscaler's decode pod: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    stepping = false;
    // Every request of the step is answered in full.
    const answered = (await Promise.all(step)).flat();
    expect(answered.length).toBeGreaterThanOrEqual(12);
    expect(answered.filter((n) => n !== 600)).toEqual([]);
    // The autoscaler says why: a scale-up of the decode pool on its spare queue (or every pod saturated).
    const [autoscaler] = await readyPods('app.kubernetes.io/name=llmd-autoscaler');
    expect(await metric(autoscaler.status!.podIP!, 9104, 'wva_replica_scaling_total', 'direction="up"')).toBeGreaterThanOrEqual(1);
  }, 420000);

  it('deleting the LLMDeployment removes its pools, their pods and their processes', async () => {
    await kubectl('-n', NS, 'delete', 'llmdeployment', 'llama-disaggregated', '--timeout=120s');
    expect(JSON.parse(await kubectl('-n', NS, 'get', 'servingpools,deployments,services', '-l', 'llm-d.io/deployment=llama-disaggregated', '-o', 'json')).items).toEqual([]);
    await eventually('no pod of the example left', async () => (await pods('llm-d.io/deployment=llama-disaggregated')).length === 0);
    const podDirs = join(dir, 'cluster', 'nodes', 'llmd-node-1', 'pods');
    await eventually("no pod folder (or process) of the example on the node", async () => !(existsSync(podDirs) ? readdirSync(podDirs) : []).some((d) => d.includes('llama-disaggregated')), 30000);
    expect((await readyPods('app.kubernetes.io/part-of=llmd')).length).toBe(5);
  }, 240000);
});
