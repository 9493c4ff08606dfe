import type { KubernetesObject } from '@kubernetes/client-node';
import { FIELD_MANAGER } from '@llmd/controller-kit';
import { controlledBy, replicasNeedHandOver, sameStatus, strayChildren } from './children';

const obj = (kind: string, name: string, owner?: string, extra: Partial<NonNullable<KubernetesObject['metadata']>> = {}): KubernetesObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name, namespace: 'llm', ...(owner ? { ownerReferences: [{ apiVersion: 'llm-d.io/v1alpha1', kind: 'LLMDeployment', name: 'x', uid: owner, controller: true }] } : {}), ...extra },
});

describe('children', () => {
  it('controlledBy keeps the objects whose controller reference is the owner', () => {
    const mine = obj('ServingPool', 'a', 'u1');
    const notController = { ...obj('ServingPool', 'b'), metadata: { name: 'b', ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u1' }] } };
    expect(controlledBy('u1', [mine, obj('ServingPool', 'c', 'u2'), notController, obj('Service', 'd')])).toEqual([mine]);
    expect(controlledBy(undefined, [mine])).toEqual([]);
  });

  it.each([
    ['unified -> disaggregated prunes the unified pool', ['ServingPool/x-prefill', 'ServingPool/x-decode', 'Service/x'], ['ServingPool/x', 'ServingPool/x-prefill', 'Service/x'], ['ServingPool/x']],
    ['nothing stray', ['ServingPool/x', 'Service/x'], ['ServingPool/x', 'Service/x'], []],
    ['same name, other kind is stray', ['Service/x'], ['ConfigMap/x'], ['ConfigMap/x']],
  ])('strayChildren: %s', (_case, desired, controlled, stray) => {
    const mk = (id: string) => obj(id.split('/')[0], id.split('/')[1], 'u1');
    expect(strayChildren(desired.map(mk), controlled.map(mk)).map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual(stray);
  });

  it('strayChildren leaves objects already being deleted alone', () => {
    expect(strayChildren([], [obj('ServingPool', 'x', 'u1', { deletionTimestamp: new Date() })])).toEqual([]);
  });

  const replicasField = { 'f:spec': { 'f:replicas': {}, 'f:template': {} } };
  const otherField = { 'f:spec': { 'f:template': {} } };
  it.each([
    ['just created by the operator apply', [{ manager: FIELD_MANAGER, operation: 'Apply', fieldsV1: replicasField }], true],
    ['already handed over (co-owned)', [{ manager: FIELD_MANAGER, operation: 'Apply', fieldsV1: replicasField }, { manager: `${FIELD_MANAGER}-replicas`, operation: 'Apply', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }], false],
    ['scaled by an autoscaler through /scale', [{ manager: FIELD_MANAGER, operation: 'Apply', fieldsV1: otherField }, { manager: 'hpa', operation: 'Update', subresource: 'scale', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }], false],
    ['no managed fields', [], false],
  ])('replicasNeedHandOver: %s', (_case, managedFields, expected) => {
    expect(replicasNeedHandOver(obj('ServingPool', 'x', 'u1', { managedFields }))).toBe(expected);
  });

  it.each([
    [{ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }, true],
    [{ a: 1, x: undefined }, { a: 1 }, true],
    [{ a: 1 }, { a: 2 }, false],
    [{ c: [1, 2] }, { c: [2, 1] }, false],
  ])('sameStatus(%p, %p) = %p', (a, b, expected) => {
    expect(sameStatus(a, b)).toBe(expected);
  });
});
