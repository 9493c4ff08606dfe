import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLAGS, numGpuBlocks, parseSimArgs } from './sim-args';
import { simConfigFileSchema } from './sim-config-file';
import { kvAdvertisedHost } from './sim-pod';

const dir = mkdtempSync(join(tmpdir(), 'vllm-sim-config-'));
let files = 0;
/** A --config file with this YAML text; returns its path. */
function configFile(text: string): string {
  const path = join(dir, `config-${files++}.yaml`);
  writeFileSync(path, text);
  return path;
}

describe('parseSimArgs', () => {
  it('takes vLLM flag names, both spellings of values', () => {
    const a = parseSimArgs(['serve', 'meta-llama/Llama-3.1-8B', '--port', '8123', '--served-model-name', 'a', 'b', '--block-size=32', '--time-scale', '0.5']);
    expect(a).toMatchObject({ model: 'meta-llama/Llama-3.1-8B', port: 8123, servedModelName: ['a', 'b'], blockSize: 32, timeScale: 0.5, maxNumSeqs: 256 });
  });

  it.each([
    [['serve'], /usage/],
    [['serve', 'm', '--bogus', '1'], /unknown flag --bogus/],
    [['serve', 'm', '--port'], /--port needs a value/],
    [['serve', 'm', '--port', 'abc'], /--port:/],
    [['serve', 'm', '--block-size', '12'], /--block-size: must be one of/],
    [['serve', 'm', '--gpu-memory-utilization', '1.5'], /--gpu-memory-utilization:/],
    [['serve', 'm', '--time-scale', '0'], /--time-scale:/],
    [['serve', 'm', '--kv-events-config', '{bad'], /--kv-events-config: must be JSON/],
    [['serve', 'm', '--kv-events-config', '{"endpoint":"http://x"}'], /--kv-events-config \(endpoint\): must be a ZMQ endpoint/],
    [['serve', 'm', '--kv-events-config', '{"nope":1}'], /--kv-events-config/],
    [['serve', 'm', '--kv-transfer-config', '{"kv_connector":"Other","kv_role":"kv_both"}'], /--kv-transfer-config \(kv_connector\)/],
    [['serve', 'm', '--kv-transfer-config', '{"kv_connector":"NixlConnector","kv_role":"boss"}'], /--kv-transfer-config \(kv_role\)/],
    [['serve', 'm', '--lora-modules', 'a=/p'], /needs --enable-lora/],
    [['serve', 'm', '--enable-lora', '--lora-modules', 'nopath'], /--lora-modules/],
    [['serve', 'm', '--enable-prefix-caching=1'], /takes no value/],
    [['serve', 'm', '--kv-events-format', 'xml'], /--kv-events-format/],
    [['serve', 'm', '--output-text', 'klingon'], /--output-text:/],
    [['serve', 'm', '--split-writes=1'], /--split-writes takes no value/],
    [['serve', 'm', '--max-logprobs', '-2'], /--max-logprobs:/],
    [['serve', 'm', '--tokenizer'], /--tokenizer needs a value/],
  ])('%p is refused', (argv, message) => {
    expect(() => parseSimArgs(argv)).toThrow(message);
  });

  it('takes vLLM JSON configs, boolean flags and LoRA modules', () => {
    const a = parseSimArgs([
      'serve', 'm', '--no-enable-prefix-caching', '--enable-lora', '--lora-modules', 'sql=/adapters/sql', '{"name":"chat","path":"/a/chat"}', '--max-loras', '2',
      '--kv-events-config', '{"enable_kv_cache_events":true,"publisher":"zmq","endpoint":"tcp://*:5557","replay_endpoint":"tcp://*:5558"}',
      '--kv-transfer-config', '{"kv_connector":"NixlConnector","kv_role":"kv_producer"}',
    ]);
    expect(a).toMatchObject({
      enablePrefixCaching: false, enableLora: true, maxLoras: 2,
      loraModules: [{ name: 'sql', path: '/adapters/sql' }, { name: 'chat', path: '/a/chat' }],
      kvEventsConfig: { enable_kv_cache_events: true, endpoint: 'tcp://*:5557', replay_endpoint: 'tcp://*:5558', buffer_steps: 10000, topic: '' },
      kvTransferConfig: { kv_connector: 'NixlConnector', kv_role: 'kv_producer' },
    });
  });

  it('takes the tokenizer, output and logprob flags, with vLLM\'s defaults', () => {
    expect(parseSimArgs(['serve', 'm'])).toMatchObject({ maxLogprobs: 20, outputText: 'ascii', splitWrites: false });
    expect(parseSimArgs(['serve', 'm', '--tokenizer', 'builtin:qwen3', '--max-logprobs', '-1', '--output-text', 'multilingual', '--split-writes'])).toMatchObject({
      tokenizer: 'builtin:qwen3', maxLogprobs: -1, outputText: 'multilingual', splitWrites: true,
    });
  });

  it('sizes the KV pool from GPU memory like vLLM', () => {
    const blocks = numGpuBlocks(parseSimArgs(['serve', 'm']), 16060514304, 131072);
    // (80 GiB * 0.9 - 16.06 GB of weights) / (128 KiB per token * 16 tokens)
    expect(blocks).toBe(Math.floor((80 * 1024 ** 3 * 0.9 - 16060514304) / (131072 * 16)));
    expect(() => numGpuBlocks(parseSimArgs(['serve', 'm', '--gpu-memory-utilization', '0.1']), 16060514304, 131072)).toThrow(/no memory/);
  });

  describe('--config file.yaml (vLLM\'s config file: the flags\' names as keys)', () => {
    const full = configFile([
      'model: meta-llama/Llama-3.1-8B-Instruct',
      'host: 0.0.0.0',
      'port: 8200',
      'served-model-name: llama',
      'max-num-seqs: 64',
      'block-size: 32',
      'enable-prefix-caching: false',
      'kv-events-config: {enable_kv_cache_events: true, publisher: zmq, endpoint: "tcp://*:5557"}',
      'kv-transfer-config: {kv_connector: NixlConnector, kv_role: kv_both}',
      'enable-lora: true',
      'lora-modules: ["sql=/adapters/sql", {name: chat, path: /a/chat}]',
      'time-scale: 0.5',
      '',
    ].join('\n'));

    it('takes every kind of setting, with the model from the file', () => {
      expect(parseSimArgs(['serve', '--config', full])).toMatchObject({
        model: 'meta-llama/Llama-3.1-8B-Instruct', host: '0.0.0.0', port: 8200, servedModelName: ['llama'], maxNumSeqs: 64, blockSize: 32,
        enablePrefixCaching: false, enableLora: true, timeScale: 0.5,
        kvEventsConfig: { enable_kv_cache_events: true, endpoint: 'tcp://*:5557', buffer_steps: 10000 },
        kvTransferConfig: { kv_connector: 'NixlConnector', kv_role: 'kv_both' },
        loraModules: [{ name: 'sql', path: '/adapters/sql' }, { name: 'chat', path: '/a/chat' }],
      });
    });

    it('lets the positional model and flags override the file, wherever --config stands', () => {
      expect(parseSimArgs(['serve', 'other/model', '--port', '9000', `--config=${full}`, '--enable-prefix-caching'])).toMatchObject({
        model: 'other/model', port: 9000, enablePrefixCaching: true, maxNumSeqs: 64,
      });
    });

    it.each([
      ['an unknown key, by name', 'model: m\nmax-num-seq: 4\n', /--config .*: max-num-seq: Unrecognized key/],
      ['a value of the wrong type, by key', 'model: m\nmax-num-seqs: many\n', /--config .*: max-num-seqs: /],
      ['a block size vLLM has not', 'model: m\nblock-size: 12\n', /--config .*: block-size: /],
      ['a bad nested field, by its path', 'model: m\nkv-events-config: {endpoint: "http://x"}\n', /--config .*: kv-events-config\.endpoint: must be a ZMQ endpoint/],
      ['YAML that does not parse', 'model: [m\n', /--config .*: /],
      ['a file without a model and no positional one', 'port: 1\n', /usage: .*--config file.yaml with a model key/],
    ])('refuses %s', (_what, text, message) => {
      expect(() => parseSimArgs(['serve', '--config', configFile(text)])).toThrow(message);
    });

    it('has a key for every flag but the --no- spellings, and no key without a flag', () => {
      const keys = Object.keys(simConfigFileSchema.shape).filter((k) => k !== 'model').map((k) => `--${k}`).sort();
      expect(keys).toEqual(Object.keys(FLAGS).filter((f) => !f.startsWith('--no-')).sort());
    });

    it('refuses a missing file and a --config without a path', () => {
      expect(() => parseSimArgs(['serve', 'm', '--config', join(dir, 'absent.yaml')])).toThrow(/--config .*absent\.yaml: ENOENT/);
      expect(() => parseSimArgs(['serve', 'm', '--config'])).toThrow(/--config needs a value/);
    });
  });

  it.each([
    ['kv_ip wins', { host: '0.0.0.0', kvTransferConfig: { kv_connector: 'NixlConnector' as const, kv_role: 'kv_both' as const, kv_ip: '10.0.0.9' } }, { VLLM_NIXL_SIDE_CHANNEL_HOST: '10.1.1.1' }, '10.0.0.9'],
    ["the side-channel host (the pod IP, in a cluster)", { host: '0.0.0.0' }, { VLLM_NIXL_SIDE_CHANNEL_HOST: '10.1.1.1' }, '10.1.1.1'],
    ['loopback when listening everywhere (the local stack)', { host: '0.0.0.0' }, {}, '127.0.0.1'],
    ['the listening address otherwise', { host: '127.0.0.7' }, {}, '127.0.0.7'],
  ])('a prefill pod advertises its KV blocks at %s', (_what, args, env, host) => {
    expect(kvAdvertisedHost(args, env)).toBe(host);
  });
});
