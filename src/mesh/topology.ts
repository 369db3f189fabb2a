// What a node knows of the mesh (docs/protocols/meshage.md §5): the neighbour list each node last
// announced, the EFFECTIVE network (an edge exists only if both ends list each other), and next hops by
// breadth-first search from this node. Nodes in the effective network that the search cannot reach are
// in another partition (or their neighbours stopped listing them): they leave the effective network and
// the routes at once, and minimega also deletes what they announced. We keep what they announced for a
// grace period first (`graceMs`; 0 is minimega's rule): a node that is just joining cannot reach anyone
// until its neighbours' next MSAs list it, and must not throw away the mesh it was just sent (catch-up).
// One pass suffices: removing an unreachable node cannot change the reachable part. Cost O(nodes + edges)
// per recomputation; it runs only when something changed.

export class Topology {
  readonly self: string;
  /** Reported neighbour lists, by node (ours included). */
  private readonly network = new Map<string, readonly string[]>();
  private effective = new Map<string, string[]>();
  private routes = new Map<string, string>();
  private dirty = false;
  /** Since when each held-but-unreachable node has been unreachable. */
  private readonly unreachableSince = new Map<string, number>();
  /** How long announcements of unreachable nodes are kept (0: deleted at once, as minimega does). */
  graceMs: number;
  /** Recomputations so far (for metrics and benches). */
  recomputations = 0;

  private readonly now: () => number;

  constructor(self: string, graceMs = 0, now: () => number = () => 0) {
    this.self = self;
    this.graceMs = graceMs;
    this.now = now;
  }

  get isDirty(): boolean {
    return this.dirty;
  }

  /** Our own neighbour list (sorted copy stored). Returns whether it changed. */
  setOwn(neighbours: readonly string[]): boolean {
    return this.report(this.self, [...neighbours].sort());
  }

  /** An announcement from `source` (accepted by the sequence check). Returns whether it changed anything. */
  report(source: string, neighbours: readonly string[]): boolean {
    const prev = this.network.get(source);
    if (prev && prev.length === neighbours.length && prev.every((x, i) => x === neighbours[i])) return false;
    this.network.set(source, neighbours.slice());
    this.dirty = true;
    return true;
  }

  /** The list `source` last announced (undefined if unknown or pruned). */
  reported(source: string): readonly string[] | undefined {
    return this.network.get(source);
  }

  /** Recomputes when something changed since the last time. Returns the nodes pruned (if any). */
  refresh(): string[] {
    return this.dirty ? this.recompute() : [];
  }

  /** Deletes announcements of nodes unreachable for longer than the grace period. */
  expire(now = this.now()): string[] {
    const gone: string[] = [];
    for (const [k, since] of this.unreachableSince) {
      if (now - since >= this.graceMs) {
        this.unreachableSince.delete(k);
        this.network.delete(k);
        gone.push(k);
      }
    }
    return gone;
  }

  /** Builds the effective network and the next hops; drops what cannot be reached (see graceMs). */
  recompute(now = this.now()): string[] {
    this.recomputations++;
    this.dirty = false;
    const sets = new Map<string, Set<string>>();
    for (const [k, v] of this.network) sets.set(k, new Set(v));
    const eff = new Map<string, string[]>();
    for (const [k, v] of this.network) {
      for (const i of v) {
        if (i === k || k > i) continue; // each unordered pair once, from its smaller end
        if (!sets.get(i)?.has(k) || !sets.get(k)!.has(i)) continue;
        let a = eff.get(k);
        if (!a) eff.set(k, (a = []));
        a.push(i);
        let b = eff.get(i);
        if (!b) eff.set(i, (b = []));
        b.push(k);
      }
    }
    for (const a of eff.values()) a.sort();
    // BFS from self; next hop of a node = next hop of its BFS parent (neighbours are their own next hop).
    const routes = new Map<string, string>();
    if (eff.has(this.self)) {
      routes.set(this.self, this.self);
      const queue: string[] = [];
      for (const n of eff.get(this.self)!) {
        routes.set(n, n);
        queue.push(n);
      }
      for (let qi = 0; qi < queue.length; qi++) {
        const v = queue[qi]!;
        const hop = routes.get(v)!;
        for (const a of eff.get(v)!) {
          if (!routes.has(a)) {
            routes.set(a, hop);
            queue.push(a);
          }
        }
      }
    }
    const pruned: string[] = [];
    for (const k of eff.keys()) {
      if (!routes.has(k)) pruned.push(k);
    }
    for (const k of pruned) eff.delete(k);
    // minimega forgets only effective-but-unreachable nodes (a node none of whose edges is confirmed yet
    // stays known); with a grace period we also age out everything else we cannot reach, so nodes that
    // died do not stay in memory for ever.
    const unreachable = this.graceMs > 0 ? [...this.network.keys()].filter((k) => k !== this.self && !routes.has(k)) : pruned;
    for (const k of unreachable) if (!this.unreachableSince.has(k)) this.unreachableSince.set(k, now);
    for (const k of routes.keys()) this.unreachableSince.delete(k);
    this.effective = eff;
    this.routes = routes;
    this.expire(now);
    return pruned.sort();
  }

  /** Next hop towards `dest` (itself for a neighbour, self for self), after a refresh. */
  nextHop(dest: string): string | undefined {
    this.refresh();
    return this.routes.get(dest);
  }

  /** The effective network's adjacency (sorted lists). */
  effectiveNetwork(): ReadonlyMap<string, readonly string[]> {
    this.refresh();
    return this.effective;
  }

  /** Every node of the effective network except this one, sorted (what Broadcast addresses). */
  broadcastRecipients(): string[] {
    this.refresh();
    return [...this.effective.keys()].filter((k) => k !== this.self).sort();
  }

  /** minimega's Mesh(): the effective network plus this node (with no neighbours if it has none). */
  mesh(): Record<string, string[]> {
    this.refresh();
    const out: Record<string, string[]> = { [this.self]: [] };
    for (const k of [...this.effective.keys()].sort()) out[k] = [...this.effective.get(k)!];
    return out;
  }

  /** Number of routed destinations (self excluded). */
  routeCount(): number {
    return Math.max(0, this.routes.size - 1);
  }

  /** Number of nodes whose announcements are held. */
  knownCount(): number {
    return this.network.size;
  }
}
