// `llmd cluster demo`: the whole loop in one command, on `llmd cluster`: the CRDs and every service
// chart installed with helm, the brief's disaggregated example applied with `simulated: true`, the
// operator rendering its prefill and decode pools, and a streamed request answered through the
// gateway's Service. It leaves the cluster running; its last line is where to send requests.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { REPO_ROOT } from '../paths';
import { clusterUp } from './control-plane';

const BIN = join(REPO_ROOT, '.llmd', 'k8s', 'bin');
export const DEMO_NAMESPACE = 'llmd';
export const DEMO_DEPLOYMENT = 'llama-disaggregated';

export interface DemoOptions {
  dir: string;
  port?: number;
  kafka?: string;
  /** How long to wait for every pod and the example to be ready. @default 600 */
  timeoutSeconds?: number;
}

export interface DemoResult {
  baseUrl: string;
  model: string;
  /** From the command's start to the first streamed answer. */
  secondsToFirstAnswer: number;
  answer: string;
}

/** The helm releases of the demo, in install order: [release, chart, extra args]. */
export function demoReleases(): [string, string, string[]][] {
  const examples = join(REPO_ROOT, 'deploy', 'examples', 'helm');
  return [
    ['operator', 'operator', []],
    ['cache-manager', 'cache-manager', ['-f', join(examples, 'pd-cache-manager.yaml')]],
    ['scheduler', 'scheduler', ['-f', join(examples, 'pd-scheduler.yaml')]],
    ['gateway', 'gateway', ['--set', 'service.type=NodePort']],
    ['autoscaler', 'autoscaler', []],
  ];
}

/** The brief's disaggregated example, unchanged but for `simulated: true` (vllm-sim pods, no GPU). */
export function simulatedExample(text: string): { yaml: string; model: string } {
  const doc = parse(text) as { metadata: { name: string }; spec: { simulated?: boolean; model: { name: string } } };
  doc.spec.simulated = true;
  return { yaml: stringify(doc), model: doc.spec.model.name };
}

function run(file: string, args: string[], kubeconfig: string, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(join(BIN, file), args, { cwd: REPO_ROOT, env: { ...process.env, KUBECONFIG: kubeconfig }, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** One streamed chat completion through the gateway; resolves with the text when the stream ends. */
async function streamedAnswer(baseUrl: string, model: string): Promise<string> {
  const res = await fetch(`${baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream: true, max_tokens: 16, messages: [{ role: 'user', content: 'Say hello from a prefill/decode pool.' }] }),
  });
  if (!res.ok || !res.body) throw new Error(`the gateway answered ${res.status}: ${await res.text()}`);
  let text = '';
  for (const line of (await res.text()).split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
    const chunk = JSON.parse(line.slice(6)) as { choices?: { delta?: { content?: string } }[]; error?: { message: string } };
    if (chunk.error) throw new Error(`the stream ended with an error: ${chunk.error.message}`);
    text += chunk.choices?.[0]?.delta?.content ?? '';
  }
  return text;
}

export async function clusterDemo(o: DemoOptions, log: (line: string) => void): Promise<DemoResult> {
  const t0 = Date.now();
  const up = await clusterUp({ dir: o.dir, port: o.port, nodes: 1, kafka: o.kafka }, log);
  const kc = up.kubeconfig;
  const timeout = `${o.timeoutSeconds ?? 600}s`;
  const helm = (args: string[]) => run('helm', args, kc);
  const kubectl = (args: string[], input?: string) => run('kubectl', args, kc, input);
  log('installing the charts ...');
  await helm(['upgrade', '--install', 'llmd-crds', join(REPO_ROOT, 'deploy', 'helm', 'llmd-crds')]);
  await kubectl(['apply', '--server-side', '-f', '-'], stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: DEMO_NAMESPACE } }));
  for (const [release, chart, extra] of demoReleases()) {
    await helm(['upgrade', '--install', release, join(REPO_ROOT, 'deploy', 'helm', chart), '-n', DEMO_NAMESPACE, ...extra]);
    log(`  ${release}`);
  }
  const example = simulatedExample(readFileSync(join(REPO_ROOT, 'deploy', 'examples', `${DEMO_DEPLOYMENT}.yaml`), 'utf8'));
  log(`applying the brief's ${DEMO_DEPLOYMENT} example with simulated: true ...`);
  await kubectl(['-n', DEMO_NAMESPACE, 'apply', '--server-side', '-f', '-'], example.yaml);
  log('waiting for the services and the prefill and decode pools to be ready ...');
  await kubectl(['-n', DEMO_NAMESPACE, 'wait', '--for=condition=Available', 'deployment', '--all', `--timeout=${timeout}`]);
  await kubectl(['-n', DEMO_NAMESPACE, 'wait', '--for=condition=Ready', `llmdeployment/${DEMO_DEPLOYMENT}`, `--timeout=${timeout}`]);
  const nodeIp = await kubectl(['get', 'nodes', '-o', 'jsonpath={.items[0].status.addresses[?(@.type=="InternalIP")].address}']);
  const nodePort = await kubectl(['-n', DEMO_NAMESPACE, 'get', 'service', 'gateway', '-o', 'jsonpath={.spec.ports[?(@.name=="http")].nodePort}']);
  const baseUrl = `http://${nodeIp}:${nodePort}/v1`;
  // The scheduler learns the pods from its informer a moment after they are ready: retry briefly.
  let answer: string | undefined;
  let lastError: Error | undefined;
  for (let i = 0; i < 30 && answer === undefined; i++) {
    answer = await streamedAnswer(baseUrl, example.model).catch((err: Error) => {
      lastError = err;
      return undefined;
    });
    if (answer === undefined) await new Promise((r) => setTimeout(r, 1000));
  }
  if (answer === undefined) throw new Error(`no answer through the gateway at ${baseUrl}: ${lastError?.message}`);
  return { baseUrl, model: example.model, secondsToFirstAnswer: (Date.now() - t0) / 1000, answer };
}
