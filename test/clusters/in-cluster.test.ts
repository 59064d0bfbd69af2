import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../src/config/config.js';
import { inClusterLocation, SERVICE_ACCOUNT_DIR } from '../../src/clusters/in-cluster.js';

describe('in-cluster settings', () => {
  const podEnv = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };

  it('default to what Kubernetes gives every pod', () => {
    const config = loadConfig({});
    expect(inClusterLocation(config, podEnv)).toEqual({
      host: '10.96.0.1',
      port: '443',
      dir: SERVICE_ACCOUNT_DIR,
    });
    expect(inClusterLocation(config, {})).toEqual({
      host: undefined,
      port: undefined,
      dir: SERVICE_ACCOUNT_DIR,
    });
  });

  it('can point anywhere, by environment or flag, over the pod environment', () => {
    const byEnv = loadConfig({
      KNM_IN_CLUSTER_HOST: '127.0.0.1',
      KNM_IN_CLUSTER_PORT: '6443',
      KNM_IN_CLUSTER_SA_DIR: '/tmp/sa',
    });
    expect(inClusterLocation(byEnv, podEnv)).toEqual({ host: '127.0.0.1', port: '6443', dir: '/tmp/sa' });
    const byFlag = loadConfig({}, ['--in-cluster-host', 'api.local', '--in-cluster-sa-dir=/run/sa']);
    expect(inClusterLocation(byFlag, podEnv)).toEqual({ host: 'api.local', port: '443', dir: '/run/sa' });
  });

  it('refuses a port that is not a number', () => {
    expect(() => loadConfig({ KNM_IN_CLUSTER_PORT: 'https' })).toThrow(ConfigError);
    expect(() => loadConfig({ KNM_IN_CLUSTER_PORT: 'https' })).toThrow(/KNM_IN_CLUSTER_PORT/);
  });
});
