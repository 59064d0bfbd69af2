/**
 * Kubeconfig text for a simulator (token auth, context "sim"). The simulator speaks plain HTTP;
 * `insecure-skip-tls-verify` is set because @kubernetes/client-node refuses http:// servers without it.
 */
import yaml from 'js-yaml';

export function kubeconfigYaml(server: string, token: string, name = 'sim'): string {
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'insecure-skip-tls-verify': true } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
    users: [{ name, user: { token } }],
    preferences: {},
  });
}
