// Peer directory Durable Object: peer ID -> relay shard, and cross-shard peer-state interest.
// It plays the role of openZro's WHO_HAS/I_HAVE lookup (ADR-0014) with one authority instead of a
// broadcast: shards register peers on auth and unregister them on close; a shard that misses a
// destination locally asks `locate`. Rows live in the object's SQLite so an evicted or restarted
// directory still knows every connected peer.
//
// Invariants:
// - One row per peer: the shard of its newest connection. `register` returns the previous shard when it
//   differs, and the caller closes the old connection there (a new connection replaces the old one).
// - `unregister(peer, shard)` only deletes the row if it still names that shard, so the close of a
//   replaced connection never hides its replacement.
// - Interest rows (peer, shard) say "shard has local subscribers for peer". The directory notifies those
//   shards when the peer comes online or goes offline, except the shard where the change happened:
//   that shard's relay core already told its own subscribers. One-shot online / persistent offline
//   semantics stay in each shard's core; the directory only fans out events.
import { DurableObject } from "cloudflare:workers";
import { RELAY_METRICS as M } from "../src/relay/index.ts";
import type { Counter, MetricFamily, MetricsRegistry } from "../src/util/index.ts";
import type { Env } from "./env.ts";
import { workerPlatform } from "./platform.ts";
import type { Location, PeerDirectoryRpc, PeerListing } from "./rpc.ts";

export type { Location };

export class PeerDirectory extends DurableObject<Env> implements PeerDirectoryRpc {
  private readonly sql: SqlStorage;
  private readonly metrics: MetricsRegistry;
  private readonly mRegs: Counter;
  private readonly mLocates: Counter;
  private readonly mNotify: Counter;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.metrics = workerPlatform(env, { component: "peer-directory" }).metrics;
    this.mRegs = this.metrics.counter(M.directoryRegistrations.name, M.directoryRegistrations.help);
    this.mLocates = this.metrics.counter(M.directoryLocates.name, M.directoryLocates.help);
    this.mNotify = this.metrics.counter(M.directoryNotifications.name, M.directoryNotifications.help);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS peers (peer TEXT PRIMARY KEY, shard TEXT NOT NULL, since INTEGER NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS interest (peer TEXT NOT NULL, shard TEXT NOT NULL, PRIMARY KEY (peer, shard))`);
  }

  /**
   * Records that `peer` authenticated on `shard` at wall time `at` (ms). Returns the shard of the
   * connection it replaces, if any. Registrations from two shards can arrive out of order: when the
   * row already holds a NEWER connection on another shard, this one is the stale one and is told so
   * (`superseded`), and the caller closes it locally.
   */
  register(peer: string, shard: string, at: number): { previous: string | null; superseded: boolean } {
    const row = this.sql.exec<{ shard: string; since: number }>(`SELECT shard, since FROM peers WHERE peer = ?`, peer).toArray()[0];
    if (row && row.shard !== shard && row.since > at) return { previous: null, superseded: true };
    this.sql.exec(`INSERT OR REPLACE INTO peers (peer, shard, since) VALUES (?, ?, ?)`, peer, shard, at);
    this.mRegs.inc();
    this.fanOut(peer, shard, "online");
    return { previous: row && row.shard !== shard ? row.shard : null, superseded: false };
  }

  /** Forgets `peer` if its row still names `shard`. Returns whether a row was removed. */
  unregister(peer: string, shard: string): boolean {
    const cur = this.sql.exec(`DELETE FROM peers WHERE peer = ? AND shard = ?`, peer, shard);
    const removed = cur.rowsWritten > 0;
    if (removed) this.fanOut(peer, shard, "offline");
    return removed;
  }

  /** Where is `peer`? null when it is connected nowhere. */
  locate(peer: string): string | null {
    const shard = this.sql.exec<{ shard: string }>(`SELECT shard FROM peers WHERE peer = ?`, peer).toArray()[0]?.shard ?? null;
    this.mLocates.inc({ result: shard === null ? "not_found" : "found" });
    return shard;
  }

  /** Registers `shard`'s interest in `peers`; returns those online now (on any shard). */
  subscribe(shard: string, peers: string[]): Location[] {
    const out: Location[] = [];
    for (const p of peers) {
      this.sql.exec(`INSERT OR IGNORE INTO interest (peer, shard) VALUES (?, ?)`, p, shard);
      const at = this.sql.exec<{ shard: string }>(`SELECT shard FROM peers WHERE peer = ?`, p).toArray()[0]?.shard ?? null;
      if (at !== null) out.push({ peer: p, shard: at });
    }
    return out;
  }

  /** Drops `shard`'s interest in `peers` (no local subscriber is left for them there). */
  unsubscribe(shard: string, peers: string[]): void {
    for (const p of peers) this.sql.exec(`DELETE FROM interest WHERE peer = ? AND shard = ?`, p, shard);
  }

  /**
   * Drops every peer and interest row that names `shard` (it woke up without sockets: a deploy or a
   * crash dropped them without close events). Returns the number of peers forgotten.
   */
  forgetShard(shard: string): number {
    const gone = this.sql.exec<{ peer: string }>(`SELECT peer FROM peers WHERE shard = ?`, shard).toArray();
    this.sql.exec(`DELETE FROM peers WHERE shard = ?`, shard);
    this.sql.exec(`DELETE FROM interest WHERE shard = ?`, shard);
    for (const { peer } of gone) this.fanOut(peer, shard, "offline");
    return gone.length;
  }

  /** Connected peers for the status page: the oldest `limit` rows and the number of peers per shard. */
  listPeers(limit: number): PeerListing {
    const peers = this.sql
      .exec<{ peer: string; shard: string; since: number }>(`SELECT peer, shard, since FROM peers ORDER BY since, peer LIMIT ?`, Math.max(0, Math.min(limit, 1000)))
      .toArray()
      .map((r) => ({ peer: r.peer, shard: r.shard, since: r.since }));
    const byShard: Record<string, number> = {};
    for (const r of this.sql.exec<{ shard: string; n: number }>(`SELECT shard, count(*) AS n FROM peers GROUP BY shard`)) byShard[r.shard] = r.n;
    return { peers, byShard };
  }

  metricsSnapshot(): MetricFamily[] {
    const peers = this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM peers`).one().n;
    this.metrics.gauge(M.directoryPeers.name, M.directoryPeers.help).set({}, peers);
    return this.metrics.snapshot();
  }

  /** Tells every interested shard except `origin` that `peer` changed state; fire-and-forget. */
  private fanOut(peer: string, origin: string, event: "online" | "offline"): void {
    const shards = this.sql
      .exec<{ shard: string }>(`SELECT shard FROM interest WHERE peer = ? AND shard != ?`, peer, origin)
      .toArray()
      .map((r) => r.shard);
    for (const s of shards) {
      this.mNotify.inc({ event });
      const stub = this.env.RELAY_SHARD.getByName(s);
      this.ctx.waitUntil(
        stub.peerStateChanged(event === "online" ? [peer] : [], event === "offline" ? [peer] : []).catch(() => {
          // The shard is gone or overloaded: its subscribers miss one event, as with a dropped
          // upstream notification; the next subscribe re-reads the truth.
        }),
      );
    }
  }
}
