// The route table of a stateless front (a Workers isolate), answered locally
// (docs/protocols/store-api.md §4): subnet routes and NAT entries of every shard in one LPM table (the
// platform's, Wasm in workerd), loaded once from each shard's route records and kept current from the
// shards' change logs.
//
// Freshness: the table is as fresh as its oldest shard sync; `age` is measured from the moment that sync
// was SENT, so everything a shard acknowledged before that moment is in the table. Policy per lookup:
//   age < refreshMs            answer;
//   refreshMs <= age < maxAgeMs answer, and start a refresh in the background (one at a time);
//   age >= maxAgeMs, or never loaded, or the caller's `after` not covered
//                              wait for a refresh (the one in flight, or a new one), then answer.
// So an acknowledged write is in every answer given maxAgeMs after its acknowledgement (when the shards
// answer), an isolate that keeps serving refreshes at most every refreshMs, an idle one costs nothing,
// and concurrent first lookups of a cold isolate share ONE load.
//
// A sync of shard s from position p returns either its route changes after p, or (first load, or p unknown
// to the shard) its whole route table; records of s missing from a whole table are removed.
import type { NATEntry, SubnetRoute } from "../gossip/index.ts";
import { parseIp } from "../net/index.ts";
import { RouteIndex, type LpmFactory, type RouteMatch } from "../state/index.ts";
import { GossamerError, type MetricsRegistry } from "../util/index.ts";
import { covers, tokenText, type Positions } from "./token.ts";

/** A route-table change of one shard (kinds "route" and "nat" only). */
export type RouteChange = { kind: "route"; key: string; value: SubnetRoute | null } | { kind: "nat"; key: string; value: NATEntry | null };

/** One shard's answer to a route sync. */
export type RouteSync =
  | { cursor: number; full: true; routes: SubnetRoute[]; nats: NATEntry[] }
  | { cursor: number; full: false; changes: RouteChange[] };

export interface RouteSource {
  readonly shards: number;
  /** Route changes of `shard` after `since`, or its whole route table (since null, or unknown there). */
  sync(shard: number, since: number | null): Promise<RouteSync>;
}

export interface RouteReplicaOptions {
  source: RouteSource;
  lpm: LpmFactory;
  /** Monotonic milliseconds. */
  now: () => number;
  /** Refresh in the background once the table is this old (ms). Default 200. */
  refreshMs?: number;
  /** Wait for a refresh before answering once the table is this old (ms). Default 800. */
  maxAgeMs?: number;
  metrics?: MetricsRegistry;
}

export interface RouteAnswer {
  match: RouteMatch | null;
  /** Shard positions the table reflects. */
  positions: Positions;
  /** The same as a cursor token's text (the response's x-gossamer-cursor). */
  token: string;
  /** Milliseconds since the oldest shard sync of the answer was sent. */
  ageMs: number;
}

const rid = (kind: "route" | "nat", key: string) => `${kind}\u0000${key}`;

export class RouteReplica {
  private readonly o: Required<Omit<RouteReplicaOptions, "metrics">>;
  private readonly index: RouteIndex;
  private readonly pos: (number | null)[];
  private readonly syncedAt: number[];
  private readonly owned: Set<string>[];
  private inflight: Promise<void> | null = null;
  private inflightAt = -Infinity;
  /** positions() and its token text, rebuilt when a sync moves a position (not per lookup). */
  private positionsNow: Positions = [];
  private tokenNow = "";
  /** Lookups by how they were answered, and shard syncs by result. */
  readonly counts = { fresh: 0, stale_refresh: 0, waited: 0, delta: 0, full: 0, error: 0 };

  constructor(o: RouteReplicaOptions) {
    this.o = { refreshMs: 200, maxAgeMs: 800, ...o } as Required<Omit<RouteReplicaOptions, "metrics">>;
    this.index = new RouteIndex(o.lpm);
    const n = o.source.shards;
    this.pos = new Array<number | null>(n).fill(null);
    this.syncedAt = new Array<number>(n).fill(-Infinity);
    this.owned = Array.from({ length: n }, () => new Set<string>());
    this.positionsNow = new Array<number>(n).fill(0);
    this.tokenNow = tokenText(this.positionsNow);
    // Plain counters on the lookup path; the registry reads them at scrape time.
    const m = o.metrics;
    const c = this.counts;
    m?.collect("store_route_replica_lookups_total", "Route lookups answered by this isolate's replica, by how (fresh, stale_refresh, waited).", "counter", () => [
      { labels: { how: "fresh" }, value: c.fresh },
      { labels: { how: "stale_refresh" }, value: c.stale_refresh },
      { labels: { how: "waited" }, value: c.waited },
    ]);
    m?.collect("store_route_replica_syncs_total", "Shard syncs of the route replica, by result (delta, full, error).", "counter", () => [
      { labels: { result: "delta" }, value: c.delta },
      { labels: { result: "full" }, value: c.full },
      { labels: { result: "error" }, value: c.error },
    ]);
    m?.collect("store_route_replica_age_ms", "Age of the route replica (ms since its oldest shard sync was sent).", "gauge", () => (this.loaded ? this.age() : -1));
    m?.collect("store_route_replica_prefixes", "Prefixes in the route replica.", "gauge", () => this.index.prefixes);
  }

  /** Every shard synced at least once. */
  get loaded(): boolean {
    if (this.isLoaded) return true;
    return (this.isLoaded = this.pos.every((p) => p !== null));
  }
  private isLoaded = false;

  /** Milliseconds since the oldest shard sync was sent (Infinity before the first load). */
  age(): number {
    let oldest = Infinity;
    for (const t of this.syncedAt) oldest = Math.min(oldest, t);
    return this.o.now() - oldest;
  }

  positions(): Positions {
    return this.positionsNow;
  }

  get shards(): number {
    return this.pos.length;
  }

  /** Prefixes held. */
  get prefixes(): number {
    return this.index.prefixes;
  }

  /**
   * Longest-prefix match for `ip` (IpParseError if it is not an address) under the freshness policy.
   * `after`: positions the answer must cover (read-your-writes), refreshed once if needed. `defer` keeps
   * a background refresh alive past the response (a Workers ExecutionContext's waitUntil).
   */
  async lookup(ip: string, opts: { after?: Positions; defer?: (p: Promise<unknown>) => void } = {}): Promise<RouteAnswer> {
    const addr = parseIp(ip);
    const now = this.o.now();
    if (opts.after !== undefined && !covers(this.positionsNow, opts.after)) {
      // The caller's write was acknowledged before this request: a sync sent from now on includes it.
      await this.refresh(now);
      this.counts.waited++;
    } else {
      const a = this.answerNow(addr, now, opts.defer);
      if (a !== null) return a;
      await this.refresh(now - this.o.maxAgeMs);
      this.counts.waited++;
    }
    if (!this.loaded) throw new RouteReplicaError("the route table could not be loaded from the store");
    return { match: this.index.lookup(addr), positions: this.positionsNow, token: this.tokenNow, ageMs: this.age() };
  }

  /**
   * The answer without waiting, when the policy allows one (fresh, or stale with a background refresh
   * started), else null: then lookup() waits. No promise on the common path.
   */
  lookupNow(ip: string, defer?: (p: Promise<unknown>) => void): RouteAnswer | null {
    return this.answerNow(parseIp(ip), this.o.now(), defer);
  }

  private answerNow(addr: Uint8Array, now: number, defer: ((p: Promise<unknown>) => void) | undefined): RouteAnswer | null {
    if (!this.loaded) return null;
    const age = this.age();
    if (age >= this.o.maxAgeMs) return null;
    if (age >= this.o.refreshMs) {
      const p = this.refresh(now - this.o.refreshMs).catch(() => undefined);
      defer?.(p);
      this.counts.stale_refresh++;
    } else this.counts.fresh++;
    return { match: this.index.lookup(addr), positions: this.positionsNow, token: this.tokenNow, ageMs: age };
  }

  /**
   * Syncs every shard, one refresh at a time: a caller shares the refresh in flight when that one was sent
   * at or after `sentAfter` (monotonic ms), else waits for it and starts the next. Rejects only while the
   * table has never loaded (a failed shard keeps its last state and its age).
   */
  async refresh(sentAfter = -Infinity): Promise<void> {
    if (this.inflight) {
      if (this.inflightAt >= sentAfter) return this.inflight;
      await this.inflight.catch(() => undefined);
      if (this.inflight && this.inflightAt >= sentAfter) return this.inflight;
    }
    this.inflightAt = this.o.now();
    const p = this.syncAll().finally(() => {
      if (this.inflight === p) this.inflight = null;
    });
    this.inflight = p;
    return p;
  }

  private async syncAll(): Promise<void> {
    const n = this.o.source.shards;
    const results = await Promise.allSettled(
      Array.from({ length: n }, async (_, s) => {
        const sentAt = this.o.now();
        const r = await this.o.source.sync(s, this.pos[s] ?? null);
        this.apply(s, r);
        this.syncedAt[s] = sentAt;
      }),
    );
    const failed = results.filter((r) => r.status === "rejected");
    this.counts.error += failed.length;
    if (failed.length > 0 && !this.loaded) throw new RouteReplicaError("the route table could not be loaded from the store", { cause: failed[0]!.reason });
  }

  private apply(s: number, r: RouteSync): void {
    const owned = this.owned[s]!;
    if (r.full) {
      const keep = new Set<string>();
      for (const route of r.routes) {
        keep.add(rid("route", route.subnet));
        this.set(owned, "route", route.subnet, route);
      }
      for (const nat of r.nats) {
        keep.add(rid("nat", nat.key));
        this.set(owned, "nat", nat.key, nat);
      }
      for (const id of [...owned]) {
        if (keep.has(id)) continue;
        const cut = id.indexOf("\u0000");
        this.set(owned, id.slice(0, cut) as "route" | "nat", id.slice(cut + 1), null);
      }
      this.counts.full++;
    } else {
      for (const c of r.changes) this.set(owned, c.kind, c.key, c.value);
      this.counts.delta++;
    }
    if (this.pos[s] !== r.cursor) {
      this.pos[s] = r.cursor;
      this.positionsNow = this.pos.map((p) => p ?? 0);
      this.tokenNow = tokenText(this.positionsNow);
    }
  }

  private set(owned: Set<string>, kind: "route" | "nat", key: string, value: SubnetRoute | NATEntry | null): void {
    if (kind === "route") this.index.setSubnet(key, value as SubnetRoute | null);
    else this.index.setNat(key, value as NATEntry | null);
    if (value === null) owned.delete(rid(kind, key));
    else owned.add(rid(kind, key));
  }
}

/** The replica has not loaded (a shard never answered a sync): the front answers 503. */
export class RouteReplicaError extends GossamerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("store.unavailable", message, options);
  }
}
