import { PhraseGenerator, utf8Deltas } from './text-generator';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('utf8Deltas', () => {
  it.each<[string, Uint8Array[], string[]]>([
    ['ASCII tokens: one delta each', [bytes(0x20, 0x61), bytes(0x62)], [' a', 'b']],
    ['an emoji split over two tokens: nothing, then the emoji', [bytes(0xf0, 0x9f, 0x98), bytes(0x80)], ['', '😀']],
    ['a CJK character split 1+2 after text', [bytes(0x20, 0xe6), bytes(0x97, 0xa5)], [' ', '日']],
    ['an emoji split over four tokens, then text', [bytes(0xf0), bytes(0x9f), bytes(0x98), bytes(0x80, 0x21)], ['', '', '', '😀!']],
    ['an incomplete character at the very end: replaced, as a final flush', [bytes(0x61), bytes(0xe6, 0x97)], ['a', '\ufffd']],
  ])('%s', (_name, tokens, deltas) => {
    expect(utf8Deltas(tokens)).toEqual(deltas);
  });
});

describe('PhraseGenerator', () => {
  const phrases = [
    [{ id: 1, text: ' a' }],
    [{ id: 2, text: '' }, { id: 3, text: ' 😀' }],
  ];

  it('emits whole phrases, token by token, the same for the same seed', () => {
    const take = (seed: number) => {
      const g = new PhraseGenerator(phrases, seed);
      return Array.from({ length: 40 }, () => g.next());
    };
    const a = take(7);
    expect(take(7)).toEqual(a);
    // every id 2 is followed by its phrase's id 3
    a.forEach((t, i) => {
      if (t.id === 2 && i + 1 < a.length) expect(a[i + 1].id).toBe(3);
    });
    expect(new Set(a.map((t) => t.id))).toEqual(new Set([1, 2, 3]));
  });

  it('refuses an empty phrase list', () => {
    expect(() => new PhraseGenerator([], 1)).toThrow(/non-empty/);
  });
});
