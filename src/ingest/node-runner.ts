/**
 * One cluster's node informer inside an ingest worker: the same Reflector the cluster cache would run in the
 * request thread (src/cache/node-informer.ts), over the worker's own client, with its own store of records.
 * It forwards only what the request thread must apply (remote-node-feed.ts):
 * - added / updated / deleted records and completed LISTs, in the order the informer emitted them;
 * - heartbeat-only versions (the informer kept the record, only its resourceVersion moved) coalesced per node,
 *   because a write's first attempt is planned on the cached version and a stale one costs a retry.
 * Everything decoded in a turn of this thread's event loop goes in one message (at most BATCH ops), so a burst
 * costs the request thread one structured-clone read, not one task per event.
 */
import { Reflector } from '../informer/reflector.js';
import { MapStore } from '../informer/store.js';
import type { HttpKubeClient } from '../kube/client.js';
import type { Logger } from '../log/logger.js';
import { nodeInformerOptions, reconcileNode, type NodeInformerTuning } from '../cache/node-informer.js';
import type { NodeRecord } from '../cache/types.js';
import type { NodeOp, NodesMessage } from './protocol.js';

const BATCH = 500;

export class NodeRunner {
  readonly reflector: Reflector<NodeRecord>;
  private ops: NodeOp[] = [];
  private readonly versions = new Map<string, string>();
  private scheduled = false;
  private stateChanged = false;

  constructor(
    private readonly key: number,
    cluster: string,
    client: HttpKubeClient,
    private readonly post: (m: NodesMessage) => void,
    log: Logger,
    tuning?: NodeInformerTuning,
  ) {
    this.reflector = new Reflector<NodeRecord>(
      nodeInformerOptions({
        cluster,
        client,
        store: new MapStore<NodeRecord>(),
        log,
        tuning,
        reconcile: (stored, incoming) => {
          const next = reconcileNode(stored, incoming);
          if (next === stored) {
            this.versions.set(stored.name, stored.resourceVersion);
            this.schedule();
          }
          return next;
        },
      }),
    );
    this.reflector.addHandler({
      added: (_k, rec, initial) => this.push(['a', rec, initial]),
      updated: (_k, _old, rec) => this.push(['u', rec]),
      deleted: (k) => this.push(['d', k]),
      listed: (cause) => {
        this.stateChanged = true;
        this.push(['l', cause]);
      },
      state: () => {
        this.stateChanged = true;
        this.schedule();
      },
    });
  }

  start(): void {
    this.reflector.start();
  }

  async stop(): Promise<void> {
    this.ops = [];
    this.versions.clear();
    await this.reflector.stop();
  }

  private push(op: NodeOp): void {
    this.ops.push(op);
    if (this.ops.length >= BATCH) this.flush();
    else this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const ops = this.ops;
    this.ops = [];
    // Versions go after the records of the same turn: a heartbeat never lowers one (remote-node-feed.ts).
    for (const [name, rv] of this.versions) ops.push(['v', name, rv]);
    this.versions.clear();
    const withStats = this.stateChanged;
    this.stateChanged = false;
    if (!ops.length && !withStats) return;
    this.post({
      type: 'nodes',
      key: this.key,
      ops,
      stats: withStats ? this.reflector.stats() : undefined,
    });
  }
}
