import { defineCommand, UsageError } from '../args';
import { CliGroup, command, dispatch } from './cli-command';

describe('dispatch', () => {
  const ran: unknown[] = [];
  const serve = command(defineCommand({ name: 'llmd sim serve', summary: 'one pod', flags: { port: { type: 'integer', default: '8000', description: 'port' } } }), async ({ values }, argv) => {
    ran.push({ values, argv });
    return 0;
  });
  const sim: CliGroup = { kind: 'group', name: 'llmd sim', summary: 'pods', childNoun: 'command', children: { serve: () => serve } };
  const root: CliGroup = { kind: 'group', name: 'llmd', summary: 'the CLI', childNoun: 'command', bareExitCode: 0, children: { sim: () => sim } };

  async function run(argv: string[]): Promise<{ code: number; out: string }> {
    let out = '';
    const code = await dispatch(root, argv, { out: (t) => (out += t), err: (t) => (out += t) });
    return { code, out };
  }

  beforeEach(() => ran.splice(0));

  it.each<[string[], number, RegExp]>([
    [[], 0, /^usage: llmd <command> \[flags\]\n[\s\S]*\n {2}sim <command> +pods\n/],
    [['--help'], 0, /^usage: llmd <command>/],
    [['help'], 0, /^usage: llmd <command>/],
    [['sim'], 2, /^usage: llmd sim <command>[\s\S]*serve +one pod/],
    [['sim', '-h'], 0, /^usage: llmd sim <command>/],
    [['sim', 'serve', '--help'], 0, /^usage: llmd sim serve \[flags\][\s\S]*--port N +port \(default 8000\)/],
    [['help', 'sim', 'serve'], 0, /^usage: llmd sim serve/],
  ])('%p prints help (exit %d) and runs nothing', async (argv, code, text) => {
    const r = await run(argv);
    expect(r).toEqual({ code, out: expect.stringMatching(text) });
    expect(ran).toEqual([]);
  });

  it('runs a command with its parsed flags and its raw arguments', async () => {
    expect(await run(['sim', 'serve', '--port', '9'])).toEqual({ code: 0, out: '' });
    expect(ran).toEqual([{ values: { port: 9 }, argv: ['--port', '9'] }]);
  });

  it.each<[string[], string, RegExp]>([
    [['simm'], 'llmd', /^unknown command "simm" \(did you mean sim\?\); commands: sim$/],
    [['--verbose'], 'llmd', /^unknown flag --verbose \(flags come after the command\)/],
    [['sim', 'serv'], 'llmd sim', /unknown command "serv" \(did you mean serve\?\)/],
    [['sim', 'serve', '--prot', '9'], 'llmd sim serve', /^unknown flag --prot \(did you mean --port\?\)$/],
  ])('%p is refused by %s, and runs nothing', async (argv, by, message) => {
    const error = await run(argv).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({ command: by, message: expect.stringMatching(message) });
    expect(ran).toEqual([]);
  });
});
