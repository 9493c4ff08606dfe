// The tenant key file fed arbitrary text: keys, or a reason naming fields, never an error, and never
// any of the file's secrets in the reason (it is logged).
import { stringify } from 'yaml';
import { forAll, Gen, thrownBy } from '@llmd/platform/testing';
import { parseKeyFile } from './key-file-watcher';

const SECRET = 'sk-SECRET-do-not-log';

function keyFile(g: Gen): string {
  const entry = () => Object.fromEntries(g.array(5, () => [g.pick(['name', 'key', 'keyHash', 'models', 'objective', 'requestsPerMinute', 'tokensPerMinute', g.string(4)]), g.pick<unknown>([SECRET, g.string(6), g.int(-2, 2), null, [SECRET], { key: SECRET }])]));
  return g.pick<() => string>([() => stringify(g.array(4, entry)), () => stringify(entry()), () => g.mutate(Buffer.from(stringify(g.array(3, entry)))).toString('utf8'), () => `${g.string(40)}${SECRET}`])();
}

describe('parseKeyFile on arbitrary text', () => {
  it('answers keys or a reason that holds nothing of the file', () => {
    forAll(keyFile, (text) => {
      let out: ReturnType<typeof parseKeyFile> | undefined;
      expect(thrownBy(() => (out = parseKeyFile(text)))).toBeUndefined();
      if ('reason' in out!) expect(out.reason).not.toContain('SECRET');
      else expect(out!.keys.every((k) => !('key' in k) && k.keyHash.startsWith('sha256:'))).toBe(true);
    });
  });
});
