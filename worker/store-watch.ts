// GET /v1/watch over a sharded store (docs/protocols/store-api.md §3.2): the isolate accepts the client's
// WebSocket, opens a watch on every shard (each from its position in the client's token, with the same
// format), and relays their frames through WatchMerge (src/edge/watch-merge.ts), which rewrites each
// frame's cursor into the client's token. With one shard the request goes to the shard as it is (its
// socket is then the shard's own, hibernatable). The shards' sockets are hibernatable on their side; the
// isolate holds the client's socket and N upstream sockets while the client is connected.
//   - "ping" from the client is answered "pong"; anything else closes the stream (1003), as the shard does;
//   - a shard closing its stream closes the client's with 1012 (reconnect with your cursor), and the rest;
//   - the client closing closes every upstream.
import { errorResponse } from "../src/api/index.ts";
import { WatchMerge, type Positions } from "../src/edge/index.ts";
import type { Logger } from "../src/util/index.ts";
import { formatRef, LAYOUT_HEADER, type StoreLayout } from "./store-layout.ts";

/** A position no store has issued: a shard answers it with a reset. */
const UNKNOWN = "999999999999999";

function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    /* already closed */
  }
}

/** Opens a watch on every shard and relays it as one stream. `since`: positions, "other" (reset), or null. */
export async function relayWatch(layout: StoreLayout, since: Positions | "other" | null, format: string, log: Logger): Promise<Response> {
  const n = layout.shards;
  const pair = new WebSocketPair();
  const client = pair[0];
  const server = pair[1];
  server.accept();
  const merge = new WatchMerge(n, since === "other" ? new Array<number>(n).fill(0) : since, (f) => server.send(f));
  const upstreams: WebSocket[] = [];
  let closed = false;
  const closeAll = (code: number, reason: string) => {
    if (closed) return;
    closed = true;
    for (const u of upstreams) closeQuietly(u, 1000, "client gone");
    closeQuietly(server, code, reason);
  };
  server.addEventListener("message", (ev) => {
    if (ev.data === "ping") server.send("pong");
    else closeAll(1003, "the watch stream is read-only");
  });
  server.addEventListener("close", () => closeAll(1000, "bye"));
  server.addEventListener("error", () => closeAll(1011, "client socket error"));
  const open = async (s: number): Promise<void> => {
    const q = since === null ? "" : `&since=${since === "other" ? UNKNOWN : since[s]}`;
    const res = await layout.stub(s).fetch(`https://gossip-store/v1/watch?format=${format}${q}`, {
      headers: { upgrade: "websocket", [LAYOUT_HEADER]: formatRef(layout.ref(s)) },
    });
    const ws = res.webSocket;
    if (!ws) throw new Error(`shard ${s} refused the watch (HTTP ${res.status})`);
    ws.accept();
    upstreams.push(ws);
    // Listeners before the next await: frames are dispatched from the event loop, never in between.
    ws.addEventListener("message", (ev) => {
      if (closed) return;
      try {
        merge.frame(s, typeof ev.data === "string" ? ev.data : new TextDecoder().decode(ev.data as ArrayBuffer));
      } catch (err) {
        log.error({ err: String(err), shard: s }, "watch relay: bad frame from a shard");
        closeAll(1011, "store error");
      }
    });
    ws.addEventListener("close", () => closeAll(1012, "a store shard closed the stream: reconnect with your cursor"));
    ws.addEventListener("error", () => closeAll(1012, "a store shard failed: reconnect with your cursor"));
  };
  try {
    await Promise.all(Array.from({ length: n }, (_, s) => open(s)));
  } catch (err) {
    closeAll(1011, "store unavailable");
    log.warn({ err: String(err) }, "watch relay: a shard did not open its stream");
    return errorResponse(503, "store.unavailable", "a store shard did not open its watch stream; retry");
  }
  if (closed) for (const u of upstreams) closeQuietly(u, 1000, "client gone");
  return new Response(null, { status: 101, webSocket: client });
}
