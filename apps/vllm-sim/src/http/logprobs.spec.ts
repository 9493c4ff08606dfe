import { chatLogprobs, completionLogprobs, positionLogprobs } from './logprobs';

const candidates = Array.from({ length: 50 }, (_, i) => 100 + i);
const text = (id: number) => `t${id}`;

describe('positionLogprobs', () => {
  it.each([0, 1, 3, 5, 20])('with k=%p: values <= 0, sorted, the sampled token among them, mass below 1, deterministic', (k) => {
    for (let pos = 0; pos < 50; pos++) {
      const p = positionLogprobs(7, pos, 42, k, candidates);
      expect(positionLogprobs(7, pos, 42, k, candidates)).toEqual(p);
      expect(p.logprob).toBeLessThanOrEqual(0);
      expect(p.top).toHaveLength(k);
      if (k > 0) expect(p.top.find((t) => t.id === 7)?.logprob).toBe(p.logprob);
      const values = p.top.map((t) => t.logprob);
      expect(values).toEqual([...values].sort((a, b) => b - a));
      expect(new Set(p.top.map((t) => t.id)).size).toBe(k);
      expect(values.reduce((s, v) => s + Math.exp(v), 0)).toBeLessThan(1);
    }
  });
});

describe('response shapes', () => {
  const positions = [positionLogprobs(7, 0, 1, 2, candidates), positionLogprobs(8, 1, 1, 2, candidates)];

  it('completions: parallel lists, the first echoed prompt token without a logprob, offsets over token texts', () => {
    const lp = completionLogprobs([{ id: 5, prompt: true, first: true }, ...positions], text, 10);
    expect(lp.tokens).toEqual(['t5', 't7', 't8']);
    expect(lp.text_offset).toEqual([10, 12, 14]);
    expect(lp.token_logprobs[0]).toBeNull();
    expect(lp.top_logprobs[0]).toBeNull();
    expect(lp.token_logprobs[1]).toBe(positions[0].logprob);
    expect(lp.top_logprobs[1]).toMatchObject({ t7: positions[0].logprob });
    expect(Object.keys(lp.top_logprobs[1] as object)).toHaveLength(2);
  });

  it('chat: content entries with bytes and top_logprobs', () => {
    const lp = chatLogprobs(positions, (id) => (id === 7 ? 'é' : text(id)));
    expect(lp.content[0]).toMatchObject({ token: 'é', logprob: positions[0].logprob, bytes: [0xc3, 0xa9] });
    expect(lp.content[0].top_logprobs).toHaveLength(2);
    expect(lp.content[1].top_logprobs.map((t) => t.logprob)).toEqual(positions[1].top.map((t) => t.logprob));
  });
});
