/**
 * First start: with no user at all, create `admin` with KNM_ADMIN_PASSWORD or a generated password printed once
 * to the console (never to the log). There is no default password.
 */
import { randomBytes } from 'node:crypto';
import { ApiError } from '../errors.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { AuthService } from './service.js';

export const FIRST_ADMIN = 'admin';

export interface FirstAdminResult {
  created: boolean;
  generated: boolean;
}

export function firstStartBanner(password: string, url: string): string {
  const line = '='.repeat(72);
  return [
    line,
    'Kube Node Manager: first start. An administrator account was created:',
    '',
    `    username: ${FIRST_ADMIN}`,
    `    password: ${password}`,
    '',
    `Sign in at ${url} with these. This password is shown only this once;`,
    'change it after signing in, or set KNM_ADMIN_PASSWORD before the first start to choose it.',
    line,
    '',
  ].join('\n');
}

export async function ensureFirstAdmin(
  auth: AuthService,
  config: Pick<Config, 'adminPassword' | 'host' | 'port'>,
  log: Logger,
  print: (text: string) => void = (t) => void process.stdout.write(t),
): Promise<FirstAdminResult> {
  if ((await auth.users.count()) > 0) return { created: false, generated: false };
  const generated = config.adminPassword === '';
  const password = generated ? randomBytes(18).toString('base64url') : config.adminPassword;
  try {
    await auth.users.create({ username: FIRST_ADMIN, password, role: 'admin' });
  } catch (e) {
    // Another replica created it first: its console has the password.
    if (e instanceof ApiError && e.status === 409) return { created: false, generated: false };
    if (e instanceof ApiError && e.status === 400) {
      throw new Error(`KNM_ADMIN_PASSWORD is not acceptable: ${e.message.replace(/^password: /, '')}`);
    }
    throw e;
  }
  await auth.record({
    user: null,
    action: 'user.create',
    outcome: 'success',
    message: `first start: created ${FIRST_ADMIN} with ${generated ? 'a generated' : 'the configured'} password`,
    params: { username: FIRST_ADMIN, role: 'admin' },
  });
  log.info(
    { username: FIRST_ADMIN, passwordSource: generated ? 'generated' : 'KNM_ADMIN_PASSWORD' },
    'first admin created',
  );
  if (generated) {
    const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    print(firstStartBanner(password, `http://${host.includes(':') ? `[${host}]` : host}:${config.port}/`));
  }
  return { created: true, generated };
}
