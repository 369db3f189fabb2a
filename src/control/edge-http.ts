// EdgeClient over the edge's HTTP API (the worker's store routes, or another agent's --http): POST
// /v1/messages, GET /v1/state?format=envelopes, and the /v1/watch WebSocket with format=envelopes, all
// with `Authorization: Bearer <token>`. Portable: fetch, plus a WebSocket connector the runtime supplies
// (Node: the ws package, src/node/edge-socket.ts), because the standard WebSocket constructor cannot send
// an Authorization header. Cursors pass through as opaque text (URL-encoded into ?since=).
import { EdgeError, type EdgeClient, type WatchHandlers } from "./edge-link.ts";

/** The part of a WebSocket the client uses. */
export interface EdgeSocket {
  onOpen(fn: () => void): void;
  onText(fn: (text: string) => void): void;
  onClose(fn: (reason: string) => void): void;
  close(): void;
}

export type SocketConnector = (url: string, headers: Record<string, string>) => EdgeSocket;

export interface EdgeHttpOptions {
  /** Base URL of the edge, e.g. https://gossamer.example.workers.dev */
  url: string;
  token: string;
  connect: SocketConnector;
  fetch?: typeof fetch;
  /** Per-request timeout (ms). Default 30 s. */
  timeoutMs?: number;
}

async function errorOf(r: Response, what: string): Promise<EdgeError> {
  let code = `http.${r.status}`;
  let message = `${what}: HTTP ${r.status}`;
  try {
    const j = (await r.json()) as { error?: { code?: string; message?: string } };
    if (j.error?.code) code = j.error.code;
    if (j.error?.message) message = `${what}: ${j.error.message}`;
  } catch {
    /* not our JSON error shape */
  }
  // 400/413: this input will never be accepted; 401/403, 404, 5xx and the rest may heal (token rotated,
  // edge redeployed): retry with backoff.
  return new EdgeError(code, message, { status: r.status, retryable: r.status !== 400 && r.status !== 413 });
}

export function httpEdgeClient(o: EdgeHttpOptions): EdgeClient {
  const base = o.url.replace(/\/+$/, "");
  const f = o.fetch ?? fetch;
  const auth = { authorization: `Bearer ${o.token}` };
  const timeout = o.timeoutMs ?? 30_000;
  const call = async (what: string, path: string, init: RequestInit): Promise<Response> => {
    let r: Response;
    try {
      r = await f(base + path, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) }, signal: AbortSignal.timeout(timeout) });
    } catch (e) {
      throw new EdgeError("edge.unreachable", `${what}: ${(e as Error).message}`, { status: 0, retryable: true, cause: e });
    }
    if (!r.ok) throw await errorOf(r, what);
    return r;
  };
  return {
    async post(batch) {
      const r = await call("POST /v1/messages", "/v1/messages", { method: "POST", body: batch, headers: { "content-type": "application/json" } });
      await r.arrayBuffer();
    },
    async snapshot() {
      const r = await call("GET /v1/state", "/v1/state?format=envelopes", { method: "GET" });
      const j = (await r.json()) as { cursor: unknown; messages: unknown[] };
      if (j === null || typeof j !== "object" || !Array.isArray(j.messages) || j.cursor === undefined) {
        throw new EdgeError("edge.bad_snapshot", "GET /v1/state: not a snapshot", { status: r.status, retryable: true });
      }
      return { cursor: String(j.cursor), messages: JSON.stringify(j.messages) };
    },
    watch(since: string, h: WatchHandlers) {
      const ws = base.replace(/^http/, "ws") + `/v1/watch?format=envelopes&since=${encodeURIComponent(since)}`;
      let done = false;
      const finish = (reason: string) => {
        if (done) return;
        done = true;
        h.onClose(reason);
      };
      const sock = o.connect(ws, auth);
      sock.onText((text) => {
        if (done) return;
        let frame: { type?: unknown; cursor?: unknown; messages?: unknown };
        try {
          frame = JSON.parse(text) as typeof frame;
        } catch {
          sock.close();
          return finish("watch frame is not JSON");
        }
        const cursor = String(frame.cursor);
        if (frame.type === "hello") h.onHello(cursor);
        else if (frame.type === "reset") h.onReset(cursor);
        else if (frame.type === "changes" && Array.isArray(frame.messages)) h.onChanges(cursor, JSON.stringify(frame.messages));
        else {
          sock.close();
          finish(`unexpected watch frame ${JSON.stringify(String(frame.type)).slice(0, 40)}`);
        }
      });
      sock.onClose((reason) => finish(reason));
      return {
        close() {
          done = true;
          sock.close();
        },
      };
    },
  };
}
