import { controllerOf, isControlledBy, ownerReference, refersTo } from './owner-reference';

const owner = { apiVersion: 'llm-d.io/v1alpha1', kind: 'LLMDeployment', metadata: { name: 'llama', namespace: 'ns', uid: 'u-1' } };

describe('ownerReference', () => {
  it('is a controller reference that blocks owner deletion by default', () => {
    expect(ownerReference(owner)).toEqual({ apiVersion: 'llm-d.io/v1alpha1', kind: 'LLMDeployment', name: 'llama', uid: 'u-1', controller: true, blockOwnerDeletion: true });
  });

  it('may be a plain reference', () => {
    expect(ownerReference(owner, { controller: false, blockOwnerDeletion: false })).toMatchObject({ controller: false, blockOwnerDeletion: false });
  });

  it.each([
    ['uid', { ...owner, metadata: { name: 'llama' } }],
    ['kind', { ...owner, kind: undefined }],
    ['apiVersion', { ...owner, apiVersion: undefined }],
  ])('refuses an owner without %s', (_field, o) => {
    expect(() => ownerReference(o)).toThrow(/owner reference needs/);
  });
});

describe('controllerOf', () => {
  const plain = { apiVersion: 'v1', kind: 'ConfigMap', name: 'cfg', uid: 'u-2' };
  it('finds the reference marked controller', () => {
    const child = { metadata: { ownerReferences: [plain, ownerReference(owner)] } };
    expect(controllerOf(child)?.uid).toBe('u-1');
    expect(isControlledBy(child, owner)).toBe(true);
    expect(isControlledBy(child, { ...owner, metadata: { ...owner.metadata, uid: 'other' } })).toBe(false);
  });

  it('is undefined without a controller reference', () => {
    expect(controllerOf({ metadata: { ownerReferences: [plain] } })).toBeUndefined();
    expect(controllerOf({})).toBeUndefined();
  });
});

describe('refersTo', () => {
  const ref = ownerReference(owner);
  it.each([
    ['LLMDeployment', 'llm-d.io/v1alpha1', true],
    ['LLMDeployment', 'llm-d.io/v1', true],
    ['LLMDeployment', 'other.io/v1alpha1', false],
    ['ServingPool', 'llm-d.io/v1alpha1', false],
  ])('%s %s: %s', (kind, apiVersion, expected) => expect(refersTo(ref, kind, apiVersion)).toBe(expected));

  it('matches the core group', () => {
    expect(refersTo({ apiVersion: 'v1', kind: 'ConfigMap', name: 'c', uid: 'u' }, 'ConfigMap', 'v1')).toBe(true);
  });
});
