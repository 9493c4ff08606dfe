import { nodeReadiness } from './kube-get';

describe('nodeReadiness', () => {
  it('reads each Node\'s Ready condition, Unknown when it has none yet', () => {
    const list = {
      items: [
        { metadata: { name: 'llmd-node-1' }, status: { conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }] } },
        { metadata: { name: 'llmd-node-2' }, status: { conditions: [{ type: 'Ready', status: 'False' }] } },
        { metadata: { name: 'llmd-node-3' }, status: {} },
        { metadata: { name: 'llmd-node-4' }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } },
      ],
    };
    expect(nodeReadiness(JSON.stringify(list))).toEqual([
      { name: 'llmd-node-1', ready: 'True' },
      { name: 'llmd-node-2', ready: 'False' },
      { name: 'llmd-node-3', ready: 'Unknown' },
      { name: 'llmd-node-4', ready: 'Unknown' },
    ]);
    expect(nodeReadiness('{"items":[]}')).toEqual([]);
  });
});
