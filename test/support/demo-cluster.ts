// Talking to the real server's simulated ("demo") cluster directly, as its kubelets would: with the kubeconfig
// the server wrote into its data directory.
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import yaml from 'js-yaml';

export type KubeCall = (
  method: string,
  path: string,
  body?: unknown,
  contentType?: string,
) => Promise<{ status: number; body: unknown }>;

export function demoClusterClient(dataDir: string): KubeCall {
  const kc = yaml.load(fs.readFileSync(path.join(dataDir, 'demo.kubeconfig'), 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority-data'?: string } }[];
    users: { user: { token: string } }[];
  };
  const { server: base, 'certificate-authority-data': caData } = kc.clusters[0]!.cluster;
  const token = kc.users[0]!.user.token;
  const ca = caData ? Buffer.from(caData, 'base64').toString('utf8') : undefined;
  return (method, p, body, contentType = 'application/json') =>
    new Promise((resolve, reject) => {
      const req = https.request(
        new URL(p, base),
        {
          method,
          ca,
          rejectUnauthorized: !!ca,
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': contentType,
            accept: 'application/json',
          },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : undefined }),
          );
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
}
