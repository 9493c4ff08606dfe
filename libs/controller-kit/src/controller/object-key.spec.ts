import { keyString, objectKey, parseKey } from './object-key';

describe('object keys', () => {
  it.each([
    [{ metadata: { namespace: 'ns', name: 'a' } }, { namespace: 'ns', name: 'a' }, 'ns/a'],
    [{ metadata: { name: 'node-1' } }, { namespace: '', name: 'node-1' }, 'node-1'],
  ])('%j', (obj, key, s) => {
    expect(objectKey(obj)).toEqual(key);
    expect(keyString(key)).toBe(s);
    expect(parseKey(s)).toEqual(key);
  });
});
