/**
 * Kubeconfig text for a simulator (token auth, context "sim"). Over HTTPS it carries the CA's certificate as
 * `certificate-authority-data`, so kubectl and client-go verify the server as they would a real one. Over plain
 * HTTP (tests only) it sets `insecure-skip-tls-verify`, without which @kubernetes/client-node refuses http://.
 */
import yaml from 'js-yaml';

export function kubeconfigYaml(server: string, token: string, name = 'sim', caCertPem?: string): string {
  const cluster = caCertPem
    ? { server, 'certificate-authority-data': Buffer.from(caCertPem, 'utf8').toString('base64') }
    : { server, 'insecure-skip-tls-verify': true };
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
    users: [{ name, user: { token } }],
    preferences: {},
  });
}
