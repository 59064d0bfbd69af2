/** Who is logged in, what they may do, and the CSRF token for their writes. */
import { computed, reactive } from 'vue';
import { auth } from './api/endpoints';
import { ApiError, setCsrfToken } from './api/http';
import type { MeAnswer, User } from './api/types';
import { resetPermissions } from './stores/permissions';

export const session = reactive<{ user: User | null; loaded: boolean }>({ user: null, loaded: false });

function accept(a: MeAnswer): void {
  session.user = a.user;
  setCsrfToken(a.csrfToken);
}

export async function loadSession(): Promise<void> {
  try {
    accept(await auth.me());
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) throw e;
    session.user = null;
  } finally {
    session.loaded = true;
  }
}

export async function login(username: string, password: string, directory = false): Promise<void> {
  accept(await (directory ? auth.ldapLogin(username, password) : auth.login(username, password)));
}

/** Ends our session; a provider account then goes on to the provider's own sign-out page when it has one. */
export async function logout(): Promise<void> {
  let redirectTo: string | null = null;
  try {
    redirectTo = (await auth.endSession()).redirectTo;
  } finally {
    clearSession();
  }
  if (redirectTo) window.location.assign(redirectTo);
}

export function clearSession(): void {
  session.user = null;
  setCsrfToken(null);
  // Preflight answers can be this user's own (clusters that act as the signed-in user).
  resetPermissions();
}

/** Node operations, jobs and templates. Viewers never see these controls. */
export const canOperate = computed(() => session.user?.role === 'operator' || session.user?.role === 'admin');
export const isAdmin = computed(() => session.user?.role === 'admin');
export const canOverrideGuard = computed(
  () =>
    session.user?.role === 'admin' || (session.user?.role === 'operator' && session.user.canOverrideGuard),
);
export const canOverrideSystemLabels = computed(
  () =>
    session.user?.role === 'admin' ||
    (session.user?.role === 'operator' && session.user.canOverrideSystemLabels),
);
