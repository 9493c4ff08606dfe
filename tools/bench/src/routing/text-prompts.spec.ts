import { chatMessagesOf, textOf } from './text-prompts';
import { sharedPrefix } from './workloads';

describe('text prompts', () => {
  const requests = sharedPrefix({ seed: 1, rate: 10, groups: 2, promptsPerGroup: 3, systemTokens: 50, questionTokens: 10, outputTokens: 5 });

  it('keeps the workload’s sharing: prompts of one group share their system message, and only those', () => {
    const messages = requests.map((r) => chatMessagesOf(r, 'system-user'));
    const systems = new Map<number, Set<string>>();
    requests.forEach((r, i) => systems.set(r.group, (systems.get(r.group) ?? new Set()).add(messages[i][0].content)));
    expect([...systems.values()].map((s) => s.size)).toEqual([1, 1]);
    expect(new Set([...systems.values()].map((s) => [...s][0])).size).toBe(2);
    expect(new Set(messages.map((m) => m[1].content)).size).toBe(requests.length);
  });

  it.each([
    ['system-user', ['system', 'user']],
    ['one-message', ['user']],
  ] as const)('shapes a prompt as %s, one word per token', (shape, roles) => {
    const m = chatMessagesOf(requests[0], shape);
    expect(m.map((x) => x.role)).toEqual(roles);
    expect(m.map((x) => x.content).join(' ').split(' ')).toHaveLength(60);
  });

  it('gives equal ids equal words', () => {
    expect(textOf([5, 6, 5])).toMatch(/^(\w+) \w+ \1$/);
  });
});
