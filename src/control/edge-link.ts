// The edge link (docs/protocols/edge-link.md): keeps an agent's StateStore and the edge's store in step,
// both ways, through an EdgeClient (edge-http.ts speaks the edge's HTTP API; simulations plug in another).
//
// Up (agent -> edge). The outbox IS the local store's change log: `edge.up` (persisted beside the state)
// is the last local cursor the edge acknowledged. Every local change (gossip, push/pull, local API, the
// down direction) wakes the pump, which reads deltas(edge.up), turns each changed record into its current
// envelope, and POSTs them in coalesced batches (<= maxBatchMessages, <= maxBatchBytes), one at a time,
// advancing and persisting edge.up after each acknowledged batch. A failed POST is retried with
// exponential backoff (jittered, capped) until it lands; so nothing acknowledged locally is ever skipped,
// across restarts (the cursor and the rows are in the same database) and edge outages. If the change log
// no longer reaches back to edge.up (garbage collection), the whole state is sent again (idempotent).
// A batch the edge refuses as bad input (400) is split until the refused envelope is alone, which is
// then logged and skipped: the edge can never store it, and it must not block everything behind it.
//
// Down (edge -> agent). The link follows the edge's watch stream (format=envelopes) from `edge.down`,
// the edge's cursor as an OPAQUE string (never parsed: a sharded edge may hand out tokens). No cursor, or
// a `reset` frame, means re-snapshot: GET /v1/state?format=envelopes, apply, continue from its cursor.
// Each frame's envelopes are applied with the merge rules (the state gossip broadcasts what changed), then
// edge.down is persisted. A dropped stream reconnects with backoff from edge.down.
//
// No loops, no duplicates of effect: merges are idempotent (an envelope the receiver already holds
// changes nothing and produces no change, so no frame, no broadcast, no POST), so several agents may link
// to one edge. Echo suppression: when the up direction was fully acknowledged before a down frame was
// applied, the changes that frame made are known to the edge already, and edge.up skips past them.
import type { StateStore } from "../state/index.ts";
import type { CursorStorage } from "../state/index.ts";
import type { Clock, Random, TimerHandle } from "../util/index.ts";
import type { Logger } from "../util/index.ts";
import type { MetricsRegistry } from "../util/index.ts";
import { GossamerError } from "../util/index.ts";
import { applyLenient } from "./apply.ts";

/** A failed edge request. `status` is the HTTP status (0: no response); `retryable` says whether to retry. */
export class EdgeError extends GossamerError {
  readonly status: number;
  readonly retryable: boolean;
  constructor(code: string, message: string, o: { status: number; retryable: boolean; cause?: unknown }) {
    super(code, message, o.cause === undefined ? undefined : { cause: o.cause });
    this.status = o.status;
    this.retryable = o.retryable;
  }
}

export interface WatchHandlers {
  onHello(cursor: string): void;
  /** `messages` is a JSON array of envelopes. */
  onChanges(cursor: string, messages: string): void;
  onReset(cursor: string): void;
  /** Called once when the stream ends (not after close()). */
  onClose(reason: string): void;
}

/** The edge as the link needs it. */
export interface EdgeClient {
  /** POST /v1/messages with a JSON array of envelopes. Rejects with EdgeError. */
  post(batch: string): Promise<void>;
  /** GET /v1/state?format=envelopes: `messages` is a JSON array text. Rejects with EdgeError. */
  snapshot(): Promise<{ cursor: string; messages: string }>;
  /** Opens the watch stream (format=envelopes) from `since`. */
  watch(since: string, h: WatchHandlers): { close(): void };
}

export interface EdgeLinkOptions {
  store: StateStore;
  cursors: CursorStorage;
  client: EdgeClient;
  /** Identifies the edge (its URL): cursors saved for another edge are not reused. */
  edgeId: string;
  clock: Clock;
  random: Random;
  wallClock: () => number;
  logger: Logger;
  metrics: MetricsRegistry;
  maxBatchMessages?: number;
  maxBatchBytes?: number;
  /** Wait this long after a change before posting, so bursts coalesce. Default 20 ms. */
  coalesceMs?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Largest snapshot / frame accepted for decoding. Default 256 MiB. */
  maxDownBytes?: number;
}

const K_UP = "edge.up";
const K_DOWN = "edge.down";
const K_ID = "edge.id";

export type LinkState = "connecting" | "connected" | "retrying" | "stopped";

export class EdgeLink {
  private readonly o: EdgeLinkOptions;
  private readonly log: Logger;
  private readonly maxBatchMessages: number;
  private readonly maxBatchBytes: number;
  private readonly coalesceMs: number;
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly maxDownBytes: number;
  private upCursor: number;
  private downCursor: string | null;
  private edgeCursor: string | null = null;
  private upState: LinkState = "connecting";
  private downState: LinkState = "connecting";
  private pumping = false;
  private again = false;
  private stopped = true;
  private pumpTimer: TimerHandle | null = null;
  private downTimer: TimerHandle | null = null;
  private watcher: { close(): void } | null = null;
  private unsubscribe: (() => void) | null = null;
  private upBehindSince: number | null = null;
  private downBehindSince: number | null;
  private upFailures = 0;
  private downFailures = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly sleeps = new Set<{ h: TimerHandle; resolve: () => void }>();
  private readonly c: {
    batches: ReturnType<MetricsRegistry["counter"]>;
    messages: ReturnType<MetricsRegistry["counter"]>;
    retries: ReturnType<MetricsRegistry["counter"]>;
    errors: ReturnType<MetricsRegistry["counter"]>;
    snapshots: ReturnType<MetricsRegistry["counter"]>;
    skipped: ReturnType<MetricsRegistry["counter"]>;
  };

  constructor(o: EdgeLinkOptions) {
    this.o = o;
    this.log = o.logger;
    this.maxBatchMessages = o.maxBatchMessages ?? 8000;
    this.maxBatchBytes = o.maxBatchBytes ?? 3 << 20; // under the store API's 4 MiB body limit
    this.coalesceMs = o.coalesceMs ?? 20;
    this.minMs = o.backoffMinMs ?? 100;
    this.maxMs = o.backoffMaxMs ?? 30_000;
    this.maxDownBytes = o.maxDownBytes ?? 256 << 20;
    const saved = o.cursors.loadCursors();
    const sameEdge = saved.get(K_ID) === o.edgeId;
    if (!sameEdge && saved.has(K_ID)) this.log.warn({ edge: o.edgeId }, "edge changed: sending the whole state and re-reading the edge's");
    this.upCursor = sameEdge ? Number(saved.get(K_UP) ?? "0") : 0;
    if (!Number.isSafeInteger(this.upCursor) || this.upCursor < 0) this.upCursor = 0;
    this.downCursor = sameEdge ? (saved.get(K_DOWN) ?? null) : null;
    if (!sameEdge) {
      o.cursors.saveCursor(K_ID, o.edgeId);
      o.cursors.saveCursor(K_UP, "0");
    }
    this.downBehindSince = o.wallClock();
    const m = o.metrics;
    this.c = {
      batches: m.counter("gossamer_edge_link_batches_total", "Edge link batches: up = POSTs acknowledged, down = frames and snapshots applied."),
      messages: m.counter("gossamer_edge_link_messages_total", "Envelopes carried by the edge link, by direction."),
      retries: m.counter("gossamer_edge_link_retries_total", "Edge link retries after a failure, by direction."),
      errors: m.counter("gossamer_edge_link_errors_total", "Edge link failures, by direction and code."),
      snapshots: m.counter("gossamer_edge_link_snapshots_total", "Full snapshots read from the edge (first start, reset)."),
      skipped: m.counter("gossamer_edge_link_rejected_total", "Envelopes the edge refused as bad input (skipped after isolating them)."),
    };
    m.collect("gossamer_edge_link_connected", "1 while the edge link direction works (up: last POST succeeded; down: watch stream open).", "gauge", () => [
      { labels: { direction: "up" }, value: this.upState === "connected" ? 1 : 0 },
      { labels: { direction: "down" }, value: this.downState === "connected" ? 1 : 0 },
    ]);
    m.collect("gossamer_edge_link_lag_cursor", "Edge link lag in cursor distance (up: local changes not yet acknowledged; down: edge cursor minus ours, when cursors are numeric).", "gauge", () => {
      const out = [{ labels: { direction: "up" }, value: Math.max(0, this.o.store.cursor - this.upCursor) }];
      const e = Number(this.edgeCursor);
      const d = Number(this.downCursor);
      if (this.edgeCursor !== null && this.downCursor !== null && Number.isFinite(e) && Number.isFinite(d)) out.push({ labels: { direction: "down" }, value: Math.max(0, e - d) });
      return out;
    });
    m.collect("gossamer_edge_link_lag_seconds", "Seconds the direction has been behind (0 when in step).", "gauge", () => {
      const now = this.o.wallClock();
      return [
        { labels: { direction: "up" }, value: this.upBehindSince === null ? 0 : (now - this.upBehindSince) / 1000 },
        { labels: { direction: "down" }, value: this.downBehindSince === null ? 0 : (now - this.downBehindSince) / 1000 },
      ];
    });
  }

  /** Current positions and states (status page, tests). */
  status(): { up: { state: LinkState; cursor: number; pending: number }; down: { state: LinkState; cursor: string | null; edgeCursor: string | null } } {
    return {
      up: { state: this.upState, cursor: this.upCursor, pending: Math.max(0, this.o.store.cursor - this.upCursor) },
      down: { state: this.downState, cursor: this.downCursor, edgeCursor: this.edgeCursor },
    };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = this.o.store.subscribe(() => {
      if (this.upBehindSince === null) this.upBehindSince = this.o.wallClock();
      this.schedulePump(this.coalesceMs);
    });
    if (this.o.store.cursor > this.upCursor) this.upBehindSince = this.o.wallClock();
    this.schedulePump(0);
    this.openDown();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.upState = this.downState = "stopped";
    this.unsubscribe?.();
    this.unsubscribe = null;
    for (const t of [this.pumpTimer, this.downTimer]) if (t) this.o.clock.clearTimeout(t);
    this.pumpTimer = this.downTimer = null;
    for (const s of this.sleeps) {
      this.o.clock.clearTimeout(s.h);
      s.resolve();
    }
    this.sleeps.clear();
    this.watcher?.close();
    this.watcher = null;
    this.wakeIdle();
  }

  /** Resolves when every local change so far has been acknowledged by the edge (tests, shutdown). */
  flushed(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private isIdle(): boolean {
    return this.stopped || (!this.pumping && this.upCursor >= this.o.store.cursor);
  }

  private wakeIdle(): void {
    if (!this.isIdle()) return;
    const w = this.idleWaiters.splice(0);
    for (const r of w) r();
  }

  // ---- up ----

  private schedulePump(ms: number): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    if (this.pumpTimer) return;
    this.pumpTimer = this.o.clock.setTimeout(() => {
      this.pumpTimer = null;
      this.noteAsync();
      void this.pump();
    }, ms);
  }

  private async pump(): Promise<void> {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    try {
      do {
        this.again = false;
        await this.sendPending();
      } while (this.again && !this.stopped);
    } catch (e) {
      this.log.error({ err: String(e) }, "edge link: up direction failed");
    } finally {
      this.pumping = false;
      if (this.upCursor >= this.o.store.cursor) {
        this.upBehindSince = null;
        if (this.upFailures === 0 && !this.stopped) this.upState = "connected"; // in step
      }
      this.wakeIdle();
    }
  }

  /** Sends everything after upCursor, batch by batch. */
  private async sendPending(): Promise<void> {
    const store = this.o.store;
    const d = store.deltas(this.upCursor);
    let items: { env: string; cursor: number }[];
    if (d.reset) {
      this.log.info({ from: this.upCursor, cursor: d.cursor }, "edge link: local change log does not reach back; sending the whole state");
      items = store.envelopes().envelopes.map((env) => ({ env, cursor: d.cursor }));
    } else {
      items = [];
      for (const ch of d.changes) {
        const env = store.envelope(ch.kind, ch.key);
        if (env !== null) items.push({ env, cursor: ch.cursor });
      }
    }
    let i = 0;
    while (i < items.length && !this.stopped) {
      let bytes = 2;
      let j = i;
      while (j < items.length && j - i < this.maxBatchMessages && (j === i || bytes + items[j]!.env.length + 1 <= this.maxBatchBytes)) bytes += items[j++]!.env.length + 1;
      const ok = await this.postWithRetry(items.slice(i, j).map((x) => x.env));
      if (!ok) return; // stopped
      this.advanceUp(items[j - 1]!.cursor);
      i = j;
    }
    if (!this.stopped) this.advanceUp(d.cursor);
  }

  private advanceUp(cursor: number): void {
    if (cursor <= this.upCursor) return;
    this.upCursor = cursor;
    this.o.cursors.saveCursor(K_UP, String(cursor));
  }

  /** Posts one batch until it is acknowledged; a refused batch is split to isolate bad envelopes. */
  private async postWithRetry(envs: string[]): Promise<boolean> {
    for (;;) {
      if (this.stopped) return false;
      try {
        await this.o.client.post(`[${envs.join(",")}]`);
        this.upState = "connected";
        this.upFailures = 0;
        this.c.batches.inc({ direction: "up" });
        this.c.messages.inc({ direction: "up" }, envs.length);
        return true;
      } catch (e) {
        const err = asEdgeError(e);
        this.c.errors.inc({ direction: "up", code: err.code });
        if (!err.retryable && err.status === 400) {
          if (envs.length === 1) {
            this.c.skipped.inc();
            this.log.error({ code: err.code, err: err.message }, "edge link: the edge refused an envelope; skipping it");
            return true;
          }
          const half = envs.length >> 1;
          return (await this.postWithRetry(envs.slice(0, half))) && (await this.postWithRetry(envs.slice(half)));
        }
        this.upState = "retrying";
        if (this.upFailures++ === 0) this.log.warn({ code: err.code, status: err.status, err: err.message }, "edge link: POST failed; retrying with backoff");
        this.c.retries.inc({ direction: "up" });
        await this.sleep(this.backoff(this.upFailures));
      }
    }
  }

  // ---- down ----

  private openDown(): void {
    if (this.stopped) return;
    this.noteAsync();
    this.downState = this.downFailures > 0 ? "retrying" : "connecting";
    void this.connectDown();
  }

  private async connectDown(): Promise<void> {
    try {
      if (this.downCursor === null) {
        const snap = await this.o.client.snapshot();
        if (this.stopped) return;
        this.applyDown(snap.messages);
        this.c.snapshots.inc();
        this.setDown(snap.cursor);
      }
    } catch (e) {
      this.downFailed(asEdgeError(e));
      return;
    }
    if (this.stopped) return;
    let closed = false;
    this.watcher = this.o.client.watch(this.downCursor!, {
      onHello: (cursor) => {
        if (closed) return;
        this.downState = "connected";
        this.downFailures = 0;
        this.edgeCursor = cursor;
        if (cursor === this.downCursor) this.downBehindSince = null;
      },
      onChanges: (cursor, messages) => {
        if (closed) return;
        try {
          this.applyDown(messages);
        } catch (e) {
          this.log.error({ err: String(e) }, "edge link: a watch frame could not be applied; reconnecting");
          closed = true;
          this.watcher?.close();
          this.downFailed(new EdgeError("edge.bad_frame", String(e), { status: 0, retryable: true }));
          return;
        }
        this.edgeCursor = cursor;
        this.setDown(cursor);
        this.downBehindSince = null;
      },
      onReset: (cursor) => {
        if (closed) return;
        closed = true;
        this.log.info({ cursor, ours: this.downCursor }, "edge link: the edge reset our cursor; re-snapshotting");
        this.watcher?.close();
        this.watcher = null;
        this.downCursor = null;
        this.openDown();
      },
      onClose: (reason) => {
        if (closed) return;
        closed = true;
        this.watcher = null;
        this.downFailed(new EdgeError("edge.watch_closed", reason, { status: 0, retryable: true }));
      },
    });
  }

  private setDown(cursor: string): void {
    if (this.downCursor === cursor) return;
    this.downCursor = cursor;
    this.o.cursors.saveCursor(K_DOWN, cursor);
  }

  /** Applies envelopes from the edge; skips the echo when the up direction was in step. */
  private applyDown(messages: string): void {
    const store = this.o.store;
    const inStep = !this.pumping && this.pumpTimer === null && this.upCursor === store.cursor;
    const r = applyLenient(store, messages, this.maxDownBytes);
    if (r.skipped > 0) this.log.warn({ skipped: r.skipped }, "edge link: envelopes from the edge were rejected");
    this.c.batches.inc({ direction: "down" });
    this.c.messages.inc({ direction: "down" }, r.applied);
    if (inStep && r.changes > 0) {
      this.advanceUp(store.cursor);
      if (this.pumpTimer) {
        this.o.clock.clearTimeout(this.pumpTimer);
        this.pumpTimer = null;
      }
      this.upBehindSince = null;
      this.wakeIdle();
    }
  }

  private downFailed(err: EdgeError): void {
    if (this.stopped) return;
    this.c.errors.inc({ direction: "down", code: err.code });
    this.downState = "retrying";
    if (this.downBehindSince === null) this.downBehindSince = this.o.wallClock();
    if (this.downFailures++ === 0) this.log.warn({ code: err.code, status: err.status, err: err.message }, "edge link: watch failed; reconnecting with backoff");
    this.c.retries.inc({ direction: "down" });
    this.downTimer = this.o.clock.setTimeout(() => {
      this.downTimer = null;
      this.openDown();
    }, this.backoff(this.downFailures));
  }

  // ---- helpers ----

  /** A simulated clock must let promise chains settle before time moves on (no-op on real clocks). */
  private noteAsync(): void {
    (this.o.clock as { markAsync?: () => void }).markAsync?.();
  }

  private backoff(failures: number): number {
    const base = Math.min(this.maxMs, this.minMs * 2 ** Math.min(20, failures - 1));
    return Math.round(base / 2 + (this.o.random.next() * base) / 2);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const s = { h: null as unknown as TimerHandle, resolve };
      s.h = this.o.clock.setTimeout(() => {
        this.sleeps.delete(s);
        this.noteAsync();
        resolve();
      }, ms);
      this.sleeps.add(s);
    });
  }
}

function asEdgeError(e: unknown): EdgeError {
  if (e instanceof EdgeError) return e;
  return new EdgeError("edge.unreachable", e instanceof Error ? e.message : String(e), { status: 0, retryable: true, cause: e });
}
