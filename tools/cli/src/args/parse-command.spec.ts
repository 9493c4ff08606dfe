import { defineCommand } from './command-spec';
import { formatHelp } from './help-text';
import { parseCommand } from './parse-command';
import { UsageError } from './usage.error';

const spec = defineCommand({
  name: 'llmd test',
  summary: 'a command for the parser\'s tests',
  positionals: [{ name: 'topic', description: 'a topic', required: false }],
  flags: {
    pods: { type: 'integer', min: 1, max: 64, default: '4', description: 'pods' },
    scale: { type: 'number', min: 0, exclusiveMin: true, default: '1', description: 'scale' },
    mode: { type: 'string', choices: ['des', 'live'], default: 'des', description: 'mode' },
    rates: { type: 'number-list', min: 0, exclusiveMin: true, default: '3,6', description: 'rates' },
    sizes: { type: 'integer-list', min: 1, description: 'sizes' },
    profiles: { type: 'string-list', choices: ['random', 'precise-prefix'], description: 'profiles' },
    tokens: { type: 'integer', choices: ['1024', '8192'], description: 'tokens' },
    quick: { type: 'boolean', short: 'q', conflicts: ['slow'], description: 'quick' },
    slow: { type: 'boolean', description: 'slow' },
    out: { type: 'string', description: 'out' },
  },
});

describe('parseCommand', () => {
  it('gives the declared defaults, typed', () => {
    expect(parseCommand(spec, [])).toEqual({
      values: { pods: 4, scale: 1, mode: 'des', rates: [3, 6], sizes: undefined, profiles: undefined, tokens: undefined, quick: false, slow: false, out: undefined },
      positionals: { topic: undefined },
      rest: [],
    });
  });

  it.each<[string, string[], Record<string, unknown>]>([
    ['an integer', ['--pods', '8'], { pods: 8 }],
    ['the = form', ['--pods=8'], { pods: 8 }],
    ['a fraction', ['--scale', '0.05'], { scale: 0.05 }],
    ['a choice', ['--mode', 'live'], { mode: 'live' }],
    ['a number list', ['--rates', '1.5, 2,30'], { rates: [1.5, 2, 30] }],
    ['an integer list', ['--sizes', '32,64'], { sizes: [32, 64] }],
    ['a list of choices', ['--profiles', 'random,precise-prefix'], { profiles: ['random', 'precise-prefix'] }],
    ['an integer among choices', ['--tokens', '8192'], { tokens: 8192 }],
    ['a short boolean', ['-q'], { quick: true }],
    ['a string', ['--out', 'results/x'], { out: 'results/x' }],
  ])('parses %s', (_name, argv, expected) => {
    const parsed = parseCommand(spec, argv);
    expect(parsed).not.toBe('help');
    expect((parsed as Exclude<typeof parsed, 'help'>).values).toMatchObject(expected);
  });

  it('takes a positional', () => {
    expect(parseCommand(spec, ['llmd.kv-events.v1', '--pods', '2'])).toMatchObject({ positionals: { topic: 'llmd.kv-events.v1' }, values: { pods: 2 } });
  });

  it.each([[['--help']], [['-h']], [['--pods', 'x', '--help']], [['--no-such', '-h']]])('answers help for %p and checks nothing else', (argv) => {
    expect(parseCommand(spec, argv)).toBe('help');
  });

  it('takes a --help after -- for an argument, not for help', () => {
    expect(parseCommand(spec, ['--', '--help'])).toMatchObject({ positionals: { topic: '--help' } });
  });

  it.each<[string, string[], RegExp]>([
    ['an unknown flag, with the nearest one', ['--podz', '3'], /^unknown flag --podz \(did you mean --pods\?\)$/],
    ['an unknown short flag', ['-x'], /^unknown flag -x$/],
    ['a missing value', ['--pods'], /^--pods needs a value \(--pods N\)$/],
    ['a flag taken for a value', ['--out', '--pods', '3'], /^--out needs a value/],
    ['a negative number not glued on', ['--scale', '-1'], /^--scale needs a value \(--scale X\); a value starting with "-" is written --scale=VALUE$/],
    ['a negative number', ['--scale=-1'], /^--scale must be a number above 0, got "-1"$/],
    ['a value on a boolean', ['--quick=yes'], /^--quick takes no value$/],
    ['a non-number', ['--pods', 'four'], /^--pods must be an integer from 1 to 64, got "four"$/],
    ['a fraction for an integer', ['--pods', '2.5'], /^--pods must be an integer/],
    ['a number with trailing junk', ['--scale', '1x'], /^--scale must be a number above 0, got "1x"$/],
    ['out of range', ['--pods', '65'], /^--pods must be an integer from 1 to 64/],
    ['an excluded bound', ['--scale', '0'], /^--scale must be a number above 0/],
    ['not a choice', ['--mode', 'dse'], /^--mode must be one of des, live, got "dse"$/],
    ['a bad list item', ['--rates', '3,,6'], /^--rates must be a comma-separated list of numbers above 0/],
    ['a bad choice in a list', ['--profiles', 'random,precise'], /^--profiles must be a comma-separated list of random, precise-prefix/],
    ['an integer not among the choices', ['--tokens', '100'], /^--tokens must be one of 1024, 8192/],
    ['flags that exclude each other', ['--quick', '--slow'], /^--quick and --slow exclude each other$/],
    ['an extra argument', ['a', 'b'], /^unexpected argument "b"$/],
  ])('refuses %s, naming the flag', (_name, argv, message) => {
    let error: unknown;
    try {
      parseCommand(spec, argv);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).command).toBe('llmd test');
    expect((error as UsageError).message).toMatch(message);
  });

  it('refuses a positional from a command that takes none', () => {
    const flagsOnly = defineCommand({ name: 'llmd flags', summary: 's', flags: {} });
    expect(() => parseCommand(flagsOnly, ['oops'])).toThrow(/unexpected argument "oops"/);
  });

  describe('pass-through commands', () => {
    const serve = defineCommand({ name: 'llmd sim serve', summary: 's', positionals: [{ name: 'model', description: 'm' }], flags: {}, passThrough: 'vllm-sim\'s flags' });
    it.each<[string[], string[]]>([
      [['m'], []],
      [['m', '--port', '8200', '--seed', '1'], ['--port', '8200', '--seed', '1']],
    ])('passes %p on', (argv, rest) => {
      expect(parseCommand(serve, argv)).toMatchObject({ positionals: { model: 'm' }, rest });
    });
    it.each<[string[], RegExp]>([
      [[], /missing <model>/],
      [['--port', '8200'], /--port must come after <model>/],
    ])('refuses %p', (argv, message) => {
      expect(() => parseCommand(serve, argv)).toThrow(message);
    });
    it('still answers help', () => expect(parseCommand(serve, ['m', '--port', '1', '-h'])).toBe('help'));
  });
});

describe('formatHelp', () => {
  it('lists every declared flag with its value, default and range, and the help flag', () => {
    const text = formatHelp(spec);
    expect(text).toMatch(/^usage: llmd test \[topic\] \[flags\]\n/);
    for (const name of Object.keys(spec.flags)) expect(text).toContain(`--${name}`);
    expect(text).toMatch(/--pods N +pods \(default 4; 1 to 64\)/);
    expect(text).toMatch(/--mode des\|live +mode \(default des\)/);
    expect(text).toMatch(/-q, --quick +quick/);
    expect(text).toMatch(/-h, --help +print this help and exit; nothing is started/);
  });
});
