// Relay client library (NetBird relay protocol v1) over a minimal WebSocket-like object, so the same code
// runs with `ws` on Node and with the fetch-upgrade WebSocket in workerd. It authenticates, sends and
// receives transport messages, subscribes to peer state, echoes the server's health checks and notices
// a silent server (no ping within 35 s). Used by tests, benchmarks and later by the agent.
import type { Clock, TimerHandle } from "../util/index.ts";
import { systemClock } from "../util/index.ts";
import { decodeMessage, encodeAuth, encodeClose, encodeHealthCheck, encodePeerList, encodeTransport } from "./codec.ts";
import { RelayClientError, RelayDecodeError } from "./errors.ts";
import { peerIdFromString, peerIdKeyAt } from "./peer-id.ts";
import type { PeerIdString } from "./peer-id.ts";
import * as P from "./protocol.ts";

/** The part of the WebSocket API the client needs (WHATWG WebSocket, `ws`, workerd). */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType?: string;
  send(data: Uint8Array | ArrayBuffer): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (ev: any) => void): void;
}

export const WS_CONNECTING = 0;
export const WS_OPEN = 1;

export interface RelayClientOptions {
  /** Our 36-byte peer ID (peerIdFromPublicKey) or its printable form. */
  peerId: Uint8Array | PeerIdString;
  /** Auth token (issueToken / management). */
  token: Uint8Array;
  clock?: Clock;
  /** How long to wait for the auth response (default 8 s). */
  authTimeoutMs?: number;
  /** Close when the server has not pinged for this long (default 35 s); false to disable. */
  serverSilenceMs?: number | false;
}

export type MessageHandler = (from: Uint8Array, payload: Uint8Array) => void;
export type PeersHandler = (ids: PeerIdString[]) => void;
export interface CloseInfo {
  code: number;
  reason: string;
  /** True when the server sent MSG_CLOSE before closing. */
  byServer: boolean;
}

/** Bytes of a WebSocket message event's data; strings and other types give null. */
function bytesOf(data: unknown): Uint8Array | null {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (Array.isArray(data)) {
    // `ws` with fragmented messages and binaryType "fragments"
    const parts = data as Uint8Array[];
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) (out.set(p, o), (o += p.length));
    return out;
  }
  return null;
}

/** Resolves once the socket is open (or rejects when it fails first). */
export function whenOpen(ws: WebSocketLike): Promise<void> {
  if (ws.readyState === WS_OPEN) return Promise.resolve();
  if (ws.readyState !== WS_CONNECTING) return Promise.reject(new RelayClientError("closed", "socket is closed"));
  return new Promise((resolve, reject) => {
    ws.addEventListener("open", () => resolve());
    ws.addEventListener("error", (e: { message?: string }) => reject(new RelayClientError("closed", `socket failed: ${e?.message ?? "error"}`)));
    ws.addEventListener("close", (e: { code?: number }) => reject(new RelayClientError("closed", `socket closed (${e?.code ?? 0}) before open`)));
  });
}

export class RelayClient {
  readonly peerId: Uint8Array;
  readonly peerIdString: PeerIdString;
  /** Instance URL from the auth response. */
  instanceUrl = "";
  /** Health checks received (and echoed). */
  healthChecks = 0;
  /** Resolves when the socket has closed. */
  readonly closed: Promise<CloseInfo>;

  private readonly ws: WebSocketLike;
  private readonly clock: Clock;
  private readonly silenceMs: number | false;
  private readonly msgHandlers: MessageHandler[] = [];
  private readonly onlineHandlers: PeersHandler[] = [];
  private readonly offlineHandlers: PeersHandler[] = [];
  private silenceTimer: TimerHandle | undefined;
  private serverClosed = false;
  private isClosed = false;
  private resolveClosed!: (c: CloseInfo) => void;
  private authWaiter: { resolve(url: string): void; reject(e: RelayClientError): void } | undefined;

  private constructor(ws: WebSocketLike, opts: RelayClientOptions) {
    this.ws = ws;
    this.peerId = typeof opts.peerId === "string" ? peerIdFromString(opts.peerId) : opts.peerId;
    if (this.peerId.length !== P.PEER_ID_SIZE) throw new RelayClientError("state", "peer ID must be 36 bytes");
    this.peerIdString = peerIdKeyAt(this.peerId, 0);
    this.clock = opts.clock ?? systemClock;
    this.silenceMs = opts.serverSilenceMs === undefined ? P.CLIENT_HEALTH_TIMEOUT_MS : opts.serverSilenceMs;
    this.closed = new Promise((r) => (this.resolveClosed = r));
    if (ws.binaryType === "blob") ws.binaryType = "arraybuffer";
    ws.addEventListener("message", (ev: { data: unknown }) => this.onWsMessage(ev.data));
    ws.addEventListener("close", (ev: { code?: number; reason?: string }) => this.onWsClose(ev?.code ?? 1005, ev?.reason ?? ""));
    ws.addEventListener("error", () => {});
  }

  /**
   * Authenticates on `ws` (waiting for it to open) and resolves once the relay answered with its
   * instance URL. Rejects with RelayClientError: "rejected" when the relay closed without a reply
   * (auth failure), "timeout" after authTimeoutMs.
   */
  static async connect(ws: WebSocketLike, opts: RelayClientOptions): Promise<RelayClient> {
    const c = new RelayClient(ws, opts);
    await whenOpen(ws);
    const url = new Promise<string>((resolve, reject) => (c.authWaiter = { resolve, reject }));
    const timeout = opts.authTimeoutMs ?? P.AUTH_RESPONSE_TIMEOUT_MS;
    const timer = c.clock.setTimeout(() => c.authWaiter?.reject(new RelayClientError("timeout", "no auth response")), timeout);
    try {
      ws.send(encodeAuth(c.peerId, opts.token));
      c.instanceUrl = await url;
    } catch (e) {
      c.abort();
      throw e;
    } finally {
      c.clock.clearTimeout(timer);
      c.authWaiter = undefined;
    }
    c.armSilence();
    return c;
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  /** Sends a transport message to `to`. The payload is copied into a new message. */
  send(to: Uint8Array | PeerIdString, payload: Uint8Array): void {
    const id = typeof to === "string" ? peerIdFromString(to) : to;
    this.ws.send(encodeTransport(id, payload));
  }

  /** Sends pre-encoded bytes (benchmarks, conformance tests). */
  sendRaw(bytes: Uint8Array): void {
    this.ws.send(bytes);
  }

  onMessage(h: MessageHandler): void {
    this.msgHandlers.push(h);
  }
  onPeersOnline(h: PeersHandler): void {
    this.onlineHandlers.push(h);
  }
  onPeersOffline(h: PeersHandler): void {
    this.offlineHandlers.push(h);
  }

  subscribe(ids: readonly (Uint8Array | PeerIdString)[]): void {
    for (const b of encodePeerList("subscribe", ids.map(toId))) this.ws.send(b);
  }
  unsubscribe(ids: readonly (Uint8Array | PeerIdString)[]): void {
    for (const b of encodePeerList("unsubscribe", ids.map(toId))) this.ws.send(b);
  }

  /**
   * Upstream OpenConn: subscribe to `peer` and resolve when the relay reports it online
   * (rejects with "timeout" after 30 s by default).
   */
  waitOnline(peer: Uint8Array | PeerIdString, timeoutMs: number = P.SUBSCRIBE_ONLINE_TIMEOUT_MS): Promise<void> {
    const key = typeof peer === "string" ? peer : peerIdKeyAt(peer, 0);
    return new Promise((resolve, reject) => {
      let done = false;
      const timer = this.clock.setTimeout(() => {
        if (!done) (done = true), reject(new RelayClientError("timeout", `peer ${key} did not come online`));
      }, timeoutMs);
      this.onPeersOnline((ids) => {
        if (!done && ids.includes(key)) {
          done = true;
          this.clock.clearTimeout(timer);
          resolve();
        }
      });
      void this.closed.then(() => {
        if (!done) (done = true), this.clock.clearTimeout(timer), reject(new RelayClientError("closed", "relay connection closed"));
      });
      this.subscribe([key]);
    });
  }

  /** Sends MSG_CLOSE and closes the socket. */
  close(): void {
    if (this.isClosed) return;
    try {
      this.ws.send(encodeClose());
    } catch {
      /* already closing */
    }
    this.ws.close(P.CLOSE_NORMAL, "client close");
  }

  private abort(code: number = P.CLOSE_NORMAL, reason = ""): void {
    try {
      this.ws.close(code, reason);
    } catch {
      /* ignore */
    }
  }

  private armSilence(): void {
    if (this.silenceMs === false || this.isClosed) return;
    if (this.silenceTimer !== undefined) this.clock.clearTimeout(this.silenceTimer);
    this.silenceTimer = this.clock.setTimeout(() => this.abort(P.CLOSE_HEALTH_TIMEOUT, "no health check from relay"), this.silenceMs);
  }

  private onWsMessage(data: unknown): void {
    const buf = bytesOf(data);
    if (!buf) return this.abort(P.CLOSE_UNSUPPORTED_DATA, "text frame");
    // Hot path: transport messages without building a union.
    if (buf.length >= P.TRANSPORT_PAYLOAD_OFFSET && buf[0] === P.PROTOCOL_VERSION && buf[1] === P.MSG_TRANSPORT) {
      const from = buf.subarray(P.TRANSPORT_ID_OFFSET, P.TRANSPORT_PAYLOAD_OFFSET);
      const payload = buf.subarray(P.TRANSPORT_PAYLOAD_OFFSET);
      for (const h of this.msgHandlers) h(from, payload);
      return;
    }
    let m;
    try {
      m = decodeMessage(buf);
    } catch (e) {
      this.authWaiter?.reject(new RelayClientError("protocol", "malformed message from relay", e instanceof RelayDecodeError ? e : undefined));
      return this.abort(P.CLOSE_PROTOCOL_ERROR, "malformed message");
    }
    switch (m.type) {
      case "authResponse":
        if (this.authWaiter) this.authWaiter.resolve(m.url);
        return;
      case "healthCheck":
        this.healthChecks++;
        this.armSilence();
        this.ws.send(HEALTH_CHECK);
        return;
      case "close":
        this.serverClosed = true;
        return this.abort(P.CLOSE_NORMAL, "closed by relay");
      case "peersOnline": {
        const ids = m.peerIds.map((id) => peerIdKeyAt(id, 0));
        for (const h of this.onlineHandlers) h(ids);
        return;
      }
      case "peersOffline": {
        const ids = m.peerIds.map((id) => peerIdKeyAt(id, 0));
        for (const h of this.offlineHandlers) h(ids);
        return;
      }
      default:
        this.authWaiter?.reject(new RelayClientError("protocol", `unexpected ${m.type} from relay`));
        return this.abort(P.CLOSE_PROTOCOL_ERROR, "unexpected message");
    }
  }

  private onWsClose(code: number, reason: string): void {
    if (this.isClosed) return;
    this.isClosed = true;
    if (this.silenceTimer !== undefined) this.clock.clearTimeout(this.silenceTimer);
    this.authWaiter?.reject(new RelayClientError("rejected", `relay closed the connection (${code}${reason ? " " + reason : ""}) without an auth response`));
    this.resolveClosed({ code, reason, byServer: this.serverClosed });
  }
}

function toId(x: Uint8Array | PeerIdString): Uint8Array {
  return typeof x === "string" ? peerIdFromString(x) : x;
}

const HEALTH_CHECK = encodeHealthCheck();
