/**
 * Recent query answers, for the same query asked again before anything it depends on changed: many consoles,
 * dashboards and scripts watching one view ask the same question over and over. Keyed by the query and the
 * generations of every cluster's node cache, pod counter and usage it read; a heartbeat updates its record in
 * place without a new generation (it changes nothing a query selects or sorts by), and rows are serialised
 * from the records at answer time, so an answer never shows an older resourceVersion than the cache holds.
 * Only live-cache answers of pages up to MEMO_MAX_LIMIT rows are kept (a full list is served from
 * pre-serialised rows anyway, and would pin thousands of records). Its own module so the query service reads
 * as "which clusters, then run or reuse", and the reuse rule is stated once.
 */
import { queryMemo } from '../metrics/registry.js';
import { queryIdentity, runQuery, type ClusterView, type NodeQuery, type QueryPage } from './query.js';

/** Answers kept for repeated queries, and the largest page kept. */
const MEMO_ENTRIES = 64;
const MEMO_MAX_LIMIT = 500;

export class QueryMemo {
  private readonly answers = new Map<string, { gens: string; page: QueryPage }>();

  /**
   * The answer of `q` over `views`, reused when every view's generation is what it was. `generationOf`
   * answers undefined for a view whose data has no generation (then the query simply runs).
   */
  run(views: ClusterView[], q: NodeQuery, generationOf: (cluster: string) => string | undefined): QueryPage {
    if (q.limit > MEMO_MAX_LIMIT) return runQuery(views, q);
    const gens: string[] = [];
    for (const v of views) {
      const g = generationOf(v.cluster);
      if (g === undefined) return runQuery(views, q);
      gens.push(g);
    }
    const key = `${q.limit}\n${q.continue ?? ''}\n${queryIdentity(
      q,
      views.map((v) => v.cluster),
    )}`;
    const g = gens.join(',');
    const hit = this.answers.get(key);
    if (hit && hit.gens === g) {
      queryMemo.inc({ result: 'hit' });
      return hit.page;
    }
    queryMemo.inc({ result: 'miss' });
    const page = runQuery(views, q);
    this.answers.delete(key);
    this.answers.set(key, { gens: g, page });
    if (this.answers.size > MEMO_ENTRIES) this.answers.delete(this.answers.keys().next().value!);
    return page;
  }

  clear(): void {
    this.answers.clear();
  }
}
