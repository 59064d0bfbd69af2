// The pod's own cluster, as client-go's rest.InClusterConfig finds it: the API server from
// KUBERNETES_SERVICE_HOST/PORT and the service account's token and CA from its mounted directory. Each of the
// three can be set explicitly (KNM_IN_CLUSTER_HOST, KNM_IN_CLUSTER_PORT, KNM_IN_CLUSTER_SA_DIR), which is how a
// test outside any pod points the product at a real API server and a token it obtained itself.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Config } from '../config/config.js';
import { notInCluster } from './errors.js';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export type InClusterConfig = Partial<Pick<Config, 'inClusterHost' | 'inClusterPort' | 'inClusterSaDir'>>;

export interface InClusterLocation {
  host?: string;
  port?: string;
  /** Holds token, ca.crt (and namespace). */
  dir: string;
}

/** Settings win over the pod's environment; `pathPrefix` (tests) re-roots the default directory only. */
export function inClusterLocation(
  config: InClusterConfig,
  env: NodeJS.ProcessEnv,
  pathPrefix = '',
): InClusterLocation {
  return {
    host: config.inClusterHost || env.KUBERNETES_SERVICE_HOST || undefined,
    port: config.inClusterPort ? String(config.inClusterPort) : env.KUBERNETES_SERVICE_PORT || undefined,
    dir: config.inClusterSaDir || pathPrefix + SERVICE_ACCOUNT_DIR,
  };
}

export function inClusterKubeconfig(where: InClusterLocation): KubeConfig {
  const { host, port, dir } = where;
  if (!host || !port) {
    throw notInCluster(
      'KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (nor KNM_IN_CLUSTER_HOST/KNM_IN_CLUSTER_PORT)',
    );
  }
  const tokenFile = path.join(dir, 'token');
  if (!fs.existsSync(tokenFile)) throw notInCluster(`no service account token at ${tokenFile}`);
  const scheme = ['80', '8080', '8001'].includes(port) ? 'http' : 'https';
  const server = `${scheme}://${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'in-cluster', server, caFile: path.join(dir, 'ca.crt'), skipTLSVerify: false }],
    // Read from the file on each use: kubelet rotates projected service-account tokens.
    users: [{ name: 'in-cluster', authProvider: { name: 'tokenFile', config: { tokenFile } } }],
    contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'in-cluster' }],
    currentContext: 'in-cluster',
  });
  return kc;
}
