import { cutBeforeMarkers, cutMarkers, type TokenizerJsonHead } from './chat-pieces';

const added = (content: string, extra: Partial<{ normalized: boolean; lstrip: boolean; single_word: boolean }> = {}) => ({ id: 0, content, special: true, normalized: false, ...extra });

describe('cutMarkers', () => {
  it.each<[string, TokenizerJsonHead, string[]]>([
    ['byte-level BPE: the template special tokens', { added_tokens: [added('<s>'), added('<t>'), added('<unused>')], pre_tokenizer: { type: 'ByteLevel' } }, ['<s>', '<t>']],
    ['Metaspace prepending to the first segment only: no cut', { added_tokens: [added('<s>')], pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first' } }, []],
    ['legacy Metaspace add_prefix_space: no cut', { added_tokens: [added('<s>')], pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Metaspace', add_prefix_space: true }] } }, []],
    ['a Prepend normalizer: no cut', { added_tokens: [added('<s>')], normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '\u2581' }] } }, []],
    ['Metaspace prepending to every segment: cut', { added_tokens: [added('<s>')], pre_tokenizer: { type: 'Metaspace', prepend_scheme: 'always' } }, ['<s>']],
    ['tokens that strip left, stand as words, or sit inside another: not cuts', { added_tokens: [added('<s>', { lstrip: true }), added('<t>', { single_word: true }), added('<v>'), added('<v><w>')] }, ['<v><w>']],
    ['a token matched on normalized text: a cut only where the normalizer changes nothing', { added_tokens: [added('<s>', { normalized: true }), added('<t>')], normalizer: { type: 'Lowercase' } }, ['<t>']],
    ['a token matched on normalized text under an empty normalizer: a cut', { added_tokens: [added('<s>', { normalized: true })], normalizer: { type: 'Sequence', normalizers: [] } }, ['<s>']],
  ])('%s', (_name, head, expected) => {
    expect(cutMarkers(head, '<s><t><u><v><w>', [])).toEqual(expected);
  });
});

describe('cutBeforeMarkers', () => {
  it.each<[string, string[], number, string[]]>([
    ['no markers: whole', 'a<s>b', [], 1, ['a<s>b']],
    ['before each marker', 'a<s>b<s>c', ['<s>'], 1, ['a', '<s>b', '<s>c']],
    ['short runs join the next', 'a<s>b<s>cccc<s>d', ['<s>'], 3, ['a<s>b', '<s>cccc', '<s>d']],
    ['marker at the start is not a cut', '<s>abc', ['<s>'], 1, ['<s>abc']],
  ].map(([n, t, m, min, e]) => [n as string, [t as string, ...(m as string[])], min as number, e as string[]]))('%s', (_name, [text, ...markers], min, expected) => {
    expect(cutBeforeMarkers(text, markers, min)).toEqual(expected);
  });

  it('cuts a shared prefix the same way whatever follows it', () => {
    const prefix = `<s>${'x'.repeat(300)}<s>${'y'.repeat(300)}`;
    const a = cutBeforeMarkers(`${prefix}<s>question one`, ['<s>'], 256);
    const b = cutBeforeMarkers(`${prefix}<s>another, longer question`, ['<s>'], 256);
    expect(a.slice(0, 2)).toEqual(b.slice(0, 2));
  });
});
