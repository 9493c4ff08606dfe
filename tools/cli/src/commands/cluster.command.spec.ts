import { formatHelp, parseCommand } from '../args';
import { CliCommand, dispatch } from './cli-command';
import { clusterGroup } from './cluster.command';

const child = (name: string) => clusterGroup.children[name]() as CliCommand;

describe('llmd cluster: command lines', () => {
  it.each<[string, string[], Record<string, unknown>]>([
    ['up', [], { nodes: 1, port: undefined, dir: undefined, fresh: false }],
    ['up', ['--nodes', '0', '--port', '26443', '--dir', '/tmp/c', '--fresh'], { nodes: 0, port: 26443, dir: '/tmp/c', fresh: true }],
    ['down', [], { dir: undefined, purge: false }],
    ['down', ['--dir=/tmp/c', '--purge'], { dir: '/tmp/c', purge: true }],
    ['status', ['--dir', '/tmp/c'], { dir: '/tmp/c' }],
    ['kubeconfig', [], { dir: undefined }],
  ])('%s %p', (name, argv, values) => {
    expect(parseCommand(child(name).spec, argv)).toMatchObject({ values });
  });

  it.each<[string, string[], RegExp]>([
    ['up', ['--nodes', '17'], /--nodes must be an integer from 0 to 16, got "17"/],
    ['up', ['--nodes', '-1'], /--nodes needs a value/],
    ['up', ['--port', '65534'], /--port must be an integer from 1 to 65533/],
    ['up', ['--dir'], /--dir needs a value \(--dir DIR\)/],
    ['down', ['--fresh'], /unknown flag --fresh/],
    ['status', ['--nodes', '1'], /unknown flag --nodes/],
    ['kubeconfig', ['extra'], /unexpected argument "extra"/],
  ])('%s refuses %p', (name, argv, message) => {
    expect(() => parseCommand(child(name).spec, argv)).toThrow(message);
  });

  it.each(['up', 'down', 'status', 'kubeconfig'])('%s has help naming each of its flags', (name) => {
    const spec = child(name).spec;
    const text = formatHelp(spec);
    expect(text).toMatch(new RegExp(`^usage: llmd cluster ${name} \\[flags\\]`));
    for (const flag of Object.keys(spec.flags)) expect(text).toContain(`--${flag}`);
  });

  it('lists its commands, and refuses an unknown one with the nearest', async () => {
    let out = '';
    expect(await dispatch(clusterGroup, ['--help'], { out: (t) => (out += t), err: () => undefined })).toBe(0);
    expect(out).toMatch(/^usage: llmd cluster <command>/);
    for (const name of ['up', 'down', 'status', 'kubeconfig']) expect(out).toMatch(new RegExp(`\\n  ${name} +\\S`));
    await expect(dispatch(clusterGroup, ['stauts'], { out: () => undefined, err: () => undefined })).rejects.toThrow(/unknown command "stauts" \(did you mean status\?\)/);
  });
});
