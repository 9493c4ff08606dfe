import { BOS_ID, Llama3Tokenizer } from './llama3-tokenizer';

describe('Llama3Tokenizer', () => {
  const tok = Llama3Tokenizer.load();

  it.each([
    ['Hello world, this is Llama 3!', [BOS_ID, 9906, 1917, 11, 420, 374, 445, 81101, 220, 18, 0]],
    ['the model', [BOS_ID, 1820, 1646]],
  ])('encodes the completion prompt %p with Llama-3 ids', async (text, ids) => {
    expect(await tok.encodePrompt(text)).toEqual(ids);
  });

  it('renders the Llama-3 chat template and tokenizes its special tokens', async () => {
    const messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: ' Hi ' },
    ];
    expect(tok.renderChat(messages)).toBe(
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
    );
    const ids = await tok.encodeChat(messages);
    expect(ids.slice(0, 4)).toEqual([128000, 128006, 9125, 128007]);
    expect(ids.slice(-3)).toEqual([78191, 128007, 271]);
  });

  it.each([
    [[{ role: 'user', content: 'hi' }]],
    [[{ role: 'system', content: 'You are terse. '.repeat(50) }, { role: 'user', content: 'What is 2+2?' }]],
    [[{ role: 'system', content: 'S' }, { role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'user', content: '  spaced <|eot_id|> text  ' }]],
  ])('piecewise (cached) chat tokenization equals tokenizing the whole rendering (%#)', async (messages) => {
    const whole = await tok.encodeRaw(tok.renderChat(messages));
    expect(await tok.encodeChat(messages)).toEqual(whole);
    expect(await tok.encodeChat(messages)).toEqual(whole); // from the cache
  });

  it.each([['{"location": "Paris", "unit": "celsius"}'], ['Hello world, this is Llama 3!'], ['']])('cuts %p into token pieces that add up to it', async (text) => {
    const pieces = await tok.tokenPieces(text);
    expect(pieces.map((p) => p.text).join('')).toBe(text);
    expect(pieces.map((p) => p.id)).toEqual(await tok.encodeRaw(text));
  });
});
