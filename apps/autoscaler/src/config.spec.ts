import { loadConfig } from '@llmd/platform';
import { AUTOSCALER_ENV, autoscalerConfigSchema } from './config';

const load = (env: Record<string, string>) => loadConfig(autoscalerConfigSchema, { envMap: AUTOSCALER_ENV, env });

describe('autoscaler config', () => {
  it('defaults: no actuator (load gauges only), scale mode, the HPA\'s 15 s sync, all namespaces, leader election on', () => {
    expect(load({})).toMatchObject({
      actuator: 'none',
      mode: 'scale',
      syncSeconds: 15,
      decisionsPerPool: 50,
      seedHistory: true,
      local: { url: 'http://127.0.0.1:9106' },
      kubernetes: {},
      leaderElection: { enabled: true, leaseName: 'llmd-autoscaler' },
      ops: { port: 9104 },
    });
  });

  it.each<[Record<string, string>, object]>([
    [{ LLMD_AUTOSCALER_ACTUATOR: 'kubernetes', LLMD_AUTOSCALER_NAMESPACE: 'prod' }, { actuator: 'kubernetes', kubernetes: { namespace: 'prod' } }],
    [{ LLMD_AUTOSCALER_ACTUATOR: 'local', LLMD_AUTOSCALER_LOCAL_URL: 'http://127.0.0.1:7000' }, { actuator: 'local', local: { url: 'http://127.0.0.1:7000' } }],
    [{ LLMD_AUTOSCALER_MODE: 'recommend', LLMD_AUTOSCALER_SYNC_SECONDS: '2.5' }, { mode: 'recommend', syncSeconds: 2.5 }],
    [{ LLMD_AUTOSCALER_DECISIONS_PER_POOL: '5', LLMD_AUTOSCALER_SEED_HISTORY: 'false' }, { decisionsPerPool: 5, seedHistory: false }],
    [{ LLMD_AUTOSCALER_LEADER_ELECTION: 'false', LLMD_AUTOSCALER_IDENTITY: 'as-0', LLMD_AUTOSCALER_KUBECONFIG: '/tmp/kc' }, { leaderElection: { enabled: false, identity: 'as-0' }, kubernetes: { kubeconfig: '/tmp/kc' } }],
  ])('%j', (env, expected) => {
    expect(load(env)).toMatchObject(expected);
  });

  it.each([
    [{ LLMD_AUTOSCALER_ACTUATOR: 'hpa' }, /actuator.*LLMD_AUTOSCALER_ACTUATOR/],
    [{ LLMD_AUTOSCALER_MODE: 'dry-run' }, /mode.*LLMD_AUTOSCALER_MODE/],
    [{ LLMD_AUTOSCALER_SYNC_SECONDS: '0' }, /syncSeconds.*LLMD_AUTOSCALER_SYNC_SECONDS/],
    [{ LLMD_AUTOSCALER_NAMESPACE: 'Prod_1' }, /kubernetes\.namespace.*DNS-1123/],
    [{ LLMD_AUTOSCALER_LOCAL_URL: 'not a url' }, /local\.url/],
  ])('refuses %j naming the field', (env, expected) => {
    expect(() => load(env)).toThrow(expected);
  });
});
