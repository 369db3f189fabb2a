// A store shard's side of a reshard (docs/protocols/store-api.md §5). Changing STORE_SHARDS from M to N
// (with STORE_SHARDS_PREVIOUS=M) moves every record to its shard of the new layout, losing nothing:
//
//   copy     A shard of N, on its first request, copies its records from every shard of M: page by page
//            (record-id order) through exportTo, each page merged like any batch. Requests wait for
//            the copy; a failed copy is retried by the next request. When done it persists "pulled M".
//   mark     The first exportTo a shard of M serves marks it superseded by N and sets its forward
//            cursor to its current cursor, in one transaction, BEFORE the page is read. So every change
//            committed before the mark is in the pages, and every change after it is forwarded.
//   forward  A superseded shard still serves requests (isolates still running the old layout during a
//            rollout), and forwards every later change, the record's current envelope, to its shard of
//            N, advancing and persisting the forward cursor after each acknowledged RPC; failures are
//            retried by an alarm. Merges are idempotent, so a record that is both copied and forwarded,
//            or forwarded twice, converges to the same state.
//   back     A layout becomes current again (a rollback: STORE_SHARDS=M, STORE_SHARDS_PREVIOUS=N) the same
//            way: its shards were marked (which cleared their "pulled" flags), so they copy from N again,
//            and stop being superseded once they have.
// Persisted in the object's gossip_cursors table: layout.superseded (N or ""), layout.forwarded (cursor),
// layout.pulled (comma list of layouts copied in since the last mark).
import { recordOfEnvelope, shardHasher, type ShardOf } from "../src/edge/index.ts";
import type { Platform } from "../src/platform/index.ts";
import type { CursorStorage, RecordKind, StateStore } from "../src/state/index.ts";
import type { Logger } from "../src/util/index.ts";
import type { Env } from "./env.ts";
import type { ExportPage, ShardRef } from "./rpc.ts";
import { shardObjectName } from "./store-layout.ts";

const K_SUPERSEDED = "layout.superseded";
const K_FORWARDED = "layout.forwarded";
const K_PULLED = "layout.pulled";
/** Bytes per copy page and per forwarded batch (under the 32 MiB RPC limit, and kind to memory). */
export const PAGE_BYTES = 2 << 20;
const RETRY_MS = 1000;

interface ExportList {
  key: string;
  ids: string[];
  envelopes: string[];
}

const rid = (kind: RecordKind, key: string) => `${kind}\u0000${key}`;

export class ShardReshard {
  private readonly store: StateStore;
  private readonly cursors: CursorStorage;
  private readonly storage: DurableObjectStorage;
  private readonly env: Env;
  private readonly platform: Platform;
  private readonly log: Logger;
  private superseded = 0;
  private forwarded = 0;
  private pulled = new Set<number>();
  /** Bumped by every mark: a copy finished before a mark does not count after it. */
  private epoch = 0;
  private ready: { key: string; epoch: number; done: Promise<void> } | null = null;
  /** Copy lists being served, by target (several target shards copy at once). */
  private readonly exportLists = new Map<string, ExportList>();
  private pumping = false;
  private readonly hashers = new Map<number, ShardOf>();
  readonly counters = { pulledRecords: 0, forwardedRecords: 0, forwardErrors: 0 };

  constructor(o: { store: StateStore; cursors: CursorStorage; storage: DurableObjectStorage; env: Env; platform: Platform }) {
    this.store = o.store;
    this.cursors = o.cursors;
    this.storage = o.storage;
    this.env = o.env;
    this.platform = o.platform;
    this.log = o.platform.logger;
    const saved = o.cursors.loadCursors();
    this.superseded = Number(saved.get(K_SUPERSEDED) || "0");
    this.forwarded = Number(saved.get(K_FORWARDED) || "0");
    for (const p of (saved.get(K_PULLED) ?? "").split(",")) if (p !== "") this.pulled.add(Number(p));
  }

  /** The layout that superseded this shard (0: none). */
  get supersededBy(): number {
    return this.superseded;
  }

  /** Changes not yet forwarded to the superseding layout. */
  get forwardLag(): number {
    return this.superseded === 0 ? 0 : Math.max(0, this.store.cursor - this.forwarded);
  }

  private shardOf(shards: number): ShardOf {
    let h = this.hashers.get(shards);
    if (!h) {
      const hp = this.platform.hotpath.for("store-shard");
      this.hashers.set(shards, (h = shardHasher(shards, (d) => hp.xxh64(d))));
    }
    return h;
  }

  /** Resolves once this shard holds what `ref`'s earlier layouts hold for it (copying it in if needed). */
  ensure(ref: ShardRef): Promise<void> {
    const key = `${ref.shards}/${ref.index}/${ref.previous.join(",")}`;
    if (this.ready && this.ready.key === key && this.ready.epoch === this.epoch) return this.ready.done;
    const todo = ref.previous.filter((p) => p !== ref.shards && !this.pulled.has(p));
    const back = this.superseded !== 0 && ref.previous.includes(this.superseded);
    if (todo.length === 0 && !back) {
      this.ready = { key, epoch: this.epoch, done: Promise.resolve() };
      return this.ready.done;
    }
    const epoch = this.epoch;
    const done = this.copyIn(ref, todo, epoch);
    this.ready = { key, epoch, done };
    done.catch((err: unknown) => {
      if (this.ready?.done === done) this.ready = null;
      this.log.error({ err: String(err), layout: key }, "reshard copy failed; the next request retries");
    });
    return done;
  }

  private async copyIn(ref: ShardRef, layouts: number[], epoch: number): Promise<void> {
    for (const m of layouts) {
      await Promise.all(Array.from({ length: m }, (_, j) => this.copyFrom(m, j, ref)));
      if (this.epoch !== epoch) throw new Error("superseded while copying");
      this.pulled.add(m);
      this.cursors.saveCursor(K_PULLED, [...this.pulled].join(","));
      this.log.info({ from: m, shards: ref.shards, index: ref.index }, "reshard: copied the records of an earlier layout");
    }
    if (this.superseded !== 0 && ref.previous.includes(this.superseded)) {
      // Current again (a rollback): what the superseding layout holds has just been copied back.
      this.superseded = 0;
      this.cursors.saveCursor(K_SUPERSEDED, "");
    }
  }

  private async copyFrom(m: number, j: number, ref: ShardRef): Promise<void> {
    const stub = this.env.GOSSIP_STORE.getByName(shardObjectName(m, j));
    let after: string | null = null;
    do {
      const page: ExportPage = await stub.exportTo({ shards: ref.shards, index: ref.index }, after, PAGE_BYTES);
      if (page.envelopes.length > 0) {
        this.store.applyBatch(`[${page.envelopes.join(",")}]`);
        this.counters.pulledRecords += page.envelopes.length;
      }
      after = page.next;
    } while (after !== null);
  }

  /** Serves one page of a reshard's copy to shard `target.index` of `target.shards` (marks this shard first). */
  exportTo(target: { shards: number; index: number }, after: string | null, maxBytes: number): ExportPage {
    this.mark(target.shards);
    const key = `${target.shards}/${target.index}/${this.epoch}`;
    let list = this.exportLists.get(key);
    if (after === null || list === undefined) this.exportLists.set(key, (list = this.buildList(key, target)));
    let lo = 0;
    if (after !== null) {
      let hi = list.ids.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (list.ids[mid]! <= after) lo = mid + 1;
        else hi = mid;
      }
    }
    const out: string[] = [];
    let bytes = 0;
    let i = lo;
    for (; i < list.ids.length; i++) {
      const env = list.envelopes[i]!;
      if (out.length > 0 && bytes + env.length > maxBytes) break;
      out.push(env);
      bytes += env.length + 1;
    }
    const next = i < list.ids.length ? list.ids[i - 1]! : null;
    if (next === null) this.exportLists.delete(key);
    return { envelopes: out, next };
  }

  private buildList(key: string, target: { shards: number; index: number }): ExportList {
    const shardOf = this.shardOf(target.shards);
    const rows: [string, string][] = [];
    for (const env of this.store.envelopes().envelopes) {
      const r = recordOfEnvelope(env);
      if (shardOf(r.kind, r.key) === target.index) rows.push([rid(r.kind, r.key), env]);
    }
    rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return { key, ids: rows.map((r) => r[0]), envelopes: rows.map((r) => r[1]) };
  }

  private mark(shards: number): void {
    if (this.superseded === shards) return;
    const cursor = this.store.cursor;
    this.storage.transactionSync(() => {
      this.cursors.saveCursor(K_SUPERSEDED, String(shards));
      this.cursors.saveCursor(K_FORWARDED, String(cursor));
      this.cursors.saveCursor(K_PULLED, "");
    });
    this.superseded = shards;
    this.forwarded = cursor;
    this.pulled.clear();
    this.exportLists.clear();
    this.epoch++;
    this.log.info({ by: shards, cursor }, "reshard: superseded; forwarding later changes");
  }

  /**
   * Forwards the changes after the forward cursor to the superseding layout. Returns false when it could
   * not (the caller arms a retry). Runs one at a time.
   */
  async pump(): Promise<boolean> {
    if (this.pumping || this.superseded === 0) return true;
    this.pumping = true;
    try {
      while (this.superseded !== 0 && this.forwarded < this.store.cursor) {
        const to = this.superseded;
        const d = this.store.deltas(this.forwarded);
        const records = d.reset
          ? this.store.envelopes().envelopes.map((env) => ({ ...recordOfEnvelope(env), env }))
          : d.changes.map((c) => ({ kind: c.kind, key: c.key, env: this.store.envelope(c.kind, c.key) }));
        const groups = new Map<number, string[][]>();
        const sizes = new Map<number, number>();
        const shardOf = this.shardOf(to);
        for (const r of records) {
          if (r.env === null) continue;
          const t = shardOf(r.kind, r.key);
          let g = groups.get(t);
          if (!g) groups.set(t, (g = [[]]));
          if ((sizes.get(t) ?? 0) + r.env.length > PAGE_BYTES && g[g.length - 1]!.length > 0) {
            g.push([]);
            sizes.set(t, 0);
          }
          g[g.length - 1]!.push(r.env);
          sizes.set(t, (sizes.get(t) ?? 0) + r.env.length + 1);
        }
        await Promise.all(
          [...groups].map(async ([t, batches]) => {
            const stub = this.env.GOSSIP_STORE.getByName(shardObjectName(to, t));
            for (const b of batches) await stub.applyForwarded(`[${b.join(",")}]`);
          }),
        );
        if (this.superseded !== to) continue;
        this.forwarded = d.cursor;
        this.cursors.saveCursor(K_FORWARDED, String(d.cursor));
        this.counters.forwardedRecords += records.length;
      }
      return true;
    } catch (err) {
      this.counters.forwardErrors++;
      this.log.warn({ err: String(err), to: this.superseded }, "reshard: forwarding failed; retrying");
      return false;
    } finally {
      this.pumping = false;
    }
  }

  /** Milliseconds until the forward pump should be retried, or null when nothing is pending. */
  retryIn(): number | null {
    return this.forwardLag > 0 ? RETRY_MS : null;
  }
}
