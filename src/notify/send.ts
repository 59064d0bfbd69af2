// One HTTP POST of a webhook: a hard timeout for the whole exchange, no redirects followed (a 3xx is an
// answer, not a new destination: a redirect could carry the signed body to a host the admin never chose),
// and at most a few KiB of the answer read, then discarded.
import http from 'node:http';
import https from 'node:https';

export interface SendResult {
  /** HTTP status; absent when no answer came. */
  status?: number;
  /** Why it failed, without the URL (it may carry a token). */
  error?: string;
}

const MAX_ANSWER_BYTES = 4096;

export type Sender = (
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
) => Promise<SendResult>;

export const sendHttp: Sender = (url, body, headers, timeoutMs) =>
  new Promise<SendResult>((resolve) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    let settled = false;
    const done = (r: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = mod.request(
      u,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'kube-node-manager-webhook/1',
          ...headers,
        },
        agent: false,
      },
      (res) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) res.destroy();
        });
        const status = res.statusCode ?? 0;
        const finish = () =>
          done(
            status >= 200 && status < 300
              ? { status }
              : {
                  status,
                  error:
                    status >= 300 && status < 400
                      ? `redirect (${status}) not followed`
                      : `answered ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`,
                },
          );
        res.on('end', finish);
        res.on('close', finish);
        res.on('error', finish);
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      done({ error: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) =>
      done({ error: e.code ? `${e.code}` : e.message.slice(0, 200) }),
    );
    req.end(body);
  });
