/**
 * Exponential back-off with full jitter (the AWS architecture blog's "full jitter"; client-go uses jittered
 * exponential back-off for the same purpose): many informers failing together must not reconnect in lockstep
 * and flood an API server that is coming back.
 */
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
}

export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  private attempt = 0;

  constructor(
    opts: BackoffOptions = {},
    private readonly random: () => number = Math.random,
  ) {
    this.initialMs = opts.initialMs ?? 800;
    this.maxMs = opts.maxMs ?? 30_000;
    this.factor = opts.factor ?? 2;
  }

  get attempts(): number {
    return this.attempt;
  }

  /** The ceiling of the next delay, before jitter. */
  ceiling(): number {
    return Math.min(this.maxMs, this.initialMs * Math.pow(this.factor, this.attempt));
  }

  /**
   * Next delay: uniform in [ceiling/10, ceiling]. The small floor keeps a run of unlucky draws near zero from
   * turning into a hot loop; `minMs` honours a server's Retry-After.
   */
  next(minMs = 0): number {
    const ceil = this.ceiling();
    this.attempt++;
    const floor = ceil / 10;
    return Math.max(minMs, Math.round(floor + this.random() * (ceil - floor)));
  }

  reset(): void {
    this.attempt = 0;
  }
}
