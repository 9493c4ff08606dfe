import { numGpuBlocks, parseSimArgs } from './sim-args';

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
  ])('%p is refused', (argv, message) => {
    expect(() => parseSimArgs(argv)).toThrow(message);
  });

  it('sizes the KV pool from GPU memory like vLLM', () => {
    const blocks = numGpuBlocks(parseSimArgs(['serve', 'm']), 16060514304, 131072);
    // (80 GiB * 0.9 - 16.06 GB of weights) / (128 KiB per token * 16 tokens)
    expect(blocks).toBe(Math.floor((80 * 1024 ** 3 * 0.9 - 16060514304) / (131072 * 16)));
    expect(() => numGpuBlocks(parseSimArgs(['serve', 'm', '--gpu-memory-utilization', '0.1']), 16060514304, 131072)).toThrow(/no memory/);
  });
});
