// The store's change stream (GET /v1/watch, a WebSocket; GET /v1/state?since= answers the same in one
// response). JSON text frames, server to client only (docs/protocols/store-api.md):
//   {"type":"hello","cursor":C}                       first frame: the store's cursor now
//   {"type":"changes","cursor":C,"changes":[...]}      format=changes (default): {cursor,kind,key,value}
//   {"type":"changes","cursor":C,"messages":[...]}     format=envelopes: each changed record as its
//                                                      Gravity envelope (what the agents' edge link applies)
//   {"type":"reset","cursor":C}                        the client's cursor is unknown here: re-snapshot
// Cursors are opaque to clients: a client stores the text it got and sends it back as ?since=.
import type { Change, StateStore } from "../state/index.ts";

export type WatchFormat = "changes" | "envelopes";

export function isWatchFormat(s: string | undefined): s is WatchFormat {
  return s === "changes" || s === "envelopes";
}

export function helloFrame(cursor: number): string {
  return `{"type":"hello","cursor":${cursor}}`;
}

export function resetFrame(cursor: number): string {
  return `{"type":"reset","cursor":${cursor}}`;
}

/** The current envelopes of the records named by `changes` (each record once). */
export function changedEnvelopes(store: StateStore, changes: readonly Change[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const c of changes) {
    const k = `${c.kind}\u0000${c.key}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const env = store.envelope(c.kind, c.key);
    if (env !== null) out.push(env);
  }
  return out;
}

export function changesFrame(store: StateStore, format: WatchFormat, changes: readonly Change[], cursor: number): string {
  if (format === "changes") return JSON.stringify({ type: "changes", cursor, changes });
  return `{"type":"changes","cursor":${cursor},"messages":[${changedEnvelopes(store, changes).join(",")}]}`;
}

/** The frame answering ?since= on connect: the deltas, or a reset. */
export function catchUpFrame(store: StateStore, format: WatchFormat, since: number): string {
  const d = store.deltas(since);
  return d.reset ? resetFrame(d.cursor) : changesFrame(store, format, d.changes, d.cursor);
}

/** A socket as the hub sees it (Node's ws, a workerd WebSocket). */
export interface WatchSocket {
  send(text: string): void;
  close(code?: number, reason?: string): void;
  /** Bytes queued and not yet sent, where the runtime tells. */
  readonly bufferedAmount?: number;
}

/** Bytes a watcher may have queued before it is cut (it reconnects with its cursor and catches up). */
export const WATCH_MAX_BUFFERED = 16 * 1024 * 1024;

/**
 * Fan-out of store commits to watch sockets (Node; the Durable Object uses hibernatable sockets and the
 * same frame builders). Frames are built once per format per commit, only if someone wants them.
 */
export class WatchHub {
  private readonly store: StateStore;
  private readonly sockets = new Map<WatchSocket, WatchFormat>();
  private readonly unsubscribe: () => void;

  constructor(store: StateStore) {
    this.store = store;
    this.unsubscribe = store.subscribe((changes, cursor) => this.broadcast(changes, cursor));
  }

  get size(): number {
    return this.sockets.size;
  }

  /** Registers a socket: sends hello and, with a cursor, the catch-up frame. */
  add(ws: WatchSocket, format: WatchFormat, since: number | null): void {
    ws.send(helloFrame(this.store.cursor));
    if (since !== null) ws.send(catchUpFrame(this.store, format, since));
    this.sockets.set(ws, format);
  }

  remove(ws: WatchSocket): void {
    this.sockets.delete(ws);
  }

  private broadcast(changes: readonly Change[], cursor: number): void {
    if (this.sockets.size === 0) return;
    const frames = new Map<WatchFormat, string>();
    for (const [ws, format] of this.sockets) {
      let f = frames.get(format);
      if (f === undefined) frames.set(format, (f = changesFrame(this.store, format, changes, cursor)));
      if ((ws.bufferedAmount ?? 0) > WATCH_MAX_BUFFERED) {
        this.sockets.delete(ws);
        ws.close(1013, "watcher too slow: reconnect with your cursor");
        continue;
      }
      try {
        ws.send(f);
      } catch {
        this.sockets.delete(ws);
      }
    }
  }

  close(): void {
    this.unsubscribe();
    for (const ws of this.sockets.keys()) ws.close(1001, "store closing");
    this.sockets.clear();
  }
}
