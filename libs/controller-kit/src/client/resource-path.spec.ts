import { apiVersionOf, collectionPath, objectPath } from './resource-path';

const deployments = { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment' };
const configmaps = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap' };
const crds = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false };

describe('resource paths', () => {
  it.each([
    [collectionPath(deployments, 'ns'), '/apis/apps/v1/namespaces/ns/deployments'],
    [collectionPath(deployments), '/apis/apps/v1/deployments'],
    [collectionPath(configmaps, 'ns'), '/api/v1/namespaces/ns/configmaps'],
    [collectionPath(crds, 'ignored'), '/apis/apiextensions.k8s.io/v1/customresourcedefinitions'],
    [objectPath(deployments, 'ns', 'web', 'scale'), '/apis/apps/v1/namespaces/ns/deployments/web/scale'],
    [objectPath(crds, undefined, 'x.io'), '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x.io'],
  ])('%s', (got, expected) => expect(got).toBe(expected));

  it('needs a namespace for a namespaced object', () => {
    expect(() => objectPath(deployments, undefined, 'web')).toThrow(/needs metadata.namespace/);
  });

  it('writes the core group as a bare version', () => {
    expect(apiVersionOf(configmaps)).toBe('v1');
    expect(apiVersionOf(deployments)).toBe('apps/v1');
  });
});
