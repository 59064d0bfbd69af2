/** Kubeconfig text for a simulator (token auth, context "sim"). */
import yaml from 'js-yaml';

export function kubeconfigYaml(server: string, token: string, name = 'sim'): string {
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
    users: [{ name, user: { token } }],
    preferences: {},
  });
}
