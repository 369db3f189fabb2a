// The Node relay: the portable RelayCore behind a `ws` WebSocket server at /relay (perMessageDeflate
// off), with GET /healthz (alias /health, upstream's JSON shape) and Prometheus GET /metrics on the
// same listener. Each ws socket is adapted
// to RelayConn; the core does everything else. close() is the graceful shutdown: MSG_CLOSE to every
// peer, then the sockets and the listener close (sockets still open after 3 s are terminated).
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { WebSocket } from "ws";
import type { Registry } from "prom-client";
import { TokenValidator } from "../relay/auth.ts";
import type { RelayAuthenticator } from "../relay/auth.ts";
import { newConnState } from "../relay/conn.ts";
import type { RelayConn, RelayConnState, RelayForwarder, RelayHooks } from "../relay/conn.ts";
import { RelayCore } from "../relay/core.ts";
import { RELAY_PATH } from "../relay/protocol.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import { nullLogger } from "../util/logger.ts";
import { registerRelayMetrics } from "./relay-metrics.ts";
import { RelayCluster } from "./relay-cluster.ts";
import type { RelayClusterOptions } from "./relay-cluster.ts";

export interface ServeRelayOptions {
  /** "host:port" ("[::1]:8080" for IPv6); port 0 picks a free port. */
  listen: string;
  authSecret: string;
  /** Instance URL sent in auth responses (rel://host:port or rels://host:port); default rel://<bound address>. */
  instanceUrl?: string;
  logger?: Logger;
  registry?: Registry;
  forwarder?: RelayForwarder;
  hooks?: RelayHooks;
  /** Overrides for tests: clock, auth, health-check timing. */
  clock?: Clock;
  auth?: RelayAuthenticator;
  healthCheck?: { intervalMs: number; timeoutMs: number } | false;
  authTimeoutMs?: number | false;
  /** Largest WebSocket message ws buffers before closing with 1009 (default 64 KiB; the core's limits are smaller). */
  maxPayload?: number;
  /** Join other relay processes through the cluster fabric (src/node/relay-cluster.ts); replaces `forwarder`. */
  cluster?: RelayClusterOptions;
}

export interface RelayServer {
  readonly core: RelayCore;
  readonly registry: Registry;
  /** Bound host and port. */
  readonly host: string;
  readonly port: number;
  /** ws://host:port/relay */
  readonly url: string;
  readonly instanceUrl: string;
  /** The cluster fabric, when `cluster` was given. */
  readonly cluster?: RelayCluster;
  /** Graceful shutdown. */
  close(): Promise<void>;
}

/** Splits "host:port" / "[v6]:port". */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`bad listen address ${JSON.stringify(listen)} (want host:port)`);
  return { host: m[1] ?? (m[2] || "0.0.0.0"), port };
}

class WsConn implements RelayConn {
  state: RelayConnState = newConnState();
  private readonly ws: WebSocket;
  constructor(ws: WebSocket) {
    this.ws = ws;
  }
  send(bytes: Uint8Array): void {
    this.ws.send(bytes);
  }
  close(code?: number, reason?: string): void {
    this.ws.close(code, reason);
  }
  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }
}

export async function serveRelay(opts: ServeRelayOptions): Promise<RelayServer> {
  const log = opts.logger ?? nullLogger;
  const { host, port } = parseListen(opts.listen);
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: opts.maxPayload ?? 64 * 1024 });
  let core: RelayCore | undefined;
  let registry: Registry | undefined;

  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && (path === "/healthz" || path === "/health")) {
      const body = JSON.stringify({ status: "healthy", timestamp: new Date().toISOString(), listeners: ["ws"], peers: core?.peerCount ?? 0 });
      res.writeHead(200, { "content-type": "application/json" }).end(body);
    } else if (req.method === "GET" && path === "/metrics" && registry) {
      registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": registry!.contentType }).end(text),
        (e: unknown) => res.writeHead(500).end(String(e)),
      );
    } else {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    }
  });
  http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if ((req.url ?? "").split("?")[0] !== RELAY_PATH) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  });

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(port, host, () => {
      http.off("error", reject);
      resolve();
    });
  });
  const addr = http.address() as AddressInfo;
  const hostPart = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  const instanceUrl = opts.instanceUrl ?? `rel://${hostPart}:${addr.port}`;

  const cluster = opts.cluster ? new RelayCluster({ logger: log, ...opts.cluster }) : undefined;
  const hooks = cluster ? mergeHooks(opts.hooks, cluster.fabric.hooks) : opts.hooks;
  core = new RelayCore({
    instanceUrl,
    auth: opts.auth ?? new TokenValidator(opts.authSecret),
    logger: log,
    forwarder: cluster?.fabric ?? opts.forwarder ?? null,
    ...(hooks ? { hooks } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.healthCheck !== undefined ? { healthCheck: opts.healthCheck } : {}),
    ...(opts.authTimeoutMs !== undefined ? { authTimeoutMs: opts.authTimeoutMs } : {}),
  });
  registry = registerRelayMetrics(core, opts.registry);
  const c = core;
  if (cluster) {
    try {
      await cluster.start(c, registry);
    } catch (e) {
      await new Promise<void>((r) => http.close(() => r()));
      throw e;
    }
  }

  wss.on("connection", (ws: WebSocket) => {
    const conn = new WsConn(ws);
    ws.on("message", (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      if (!isBinary) return c.message(conn, "");
      c.message(conn, Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data);
    });
    ws.on("close", () => c.close(conn));
    ws.on("error", (e: Error) => log.debug({ err: e.message }, "relay socket error"));
    c.open(conn);
  });
  log.info({ listen: `${hostPart}:${addr.port}`, instanceUrl }, "relay listening");

  let closing: Promise<void> | undefined;
  return {
    core: c,
    registry,
    host: addr.address,
    port: addr.port,
    url: `ws://${hostPart}:${addr.port}${RELAY_PATH}`,
    instanceUrl,
    ...(cluster ? { cluster } : {}),
    close() {
      closing ??= (async () => {
        c.shutdown();
        await cluster?.close();
        const deadline = setTimeout(() => {
          for (const ws of wss.clients) ws.terminate();
        }, 3000);
        await new Promise<void>((r) => wss.close(() => r()));
        http.closeAllConnections();
        await new Promise<void>((r) => http.close(() => r()));
        clearTimeout(deadline);
        log.info({}, "relay stopped");
      })();
      return closing;
    },
  };
}

/** Both hook sets, the caller's first. */
function mergeHooks(a: RelayHooks | undefined, b: RelayHooks): RelayHooks {
  if (!a) return b;
  return {
    ...a,
    onPeerOnline: (id) => (a.onPeerOnline?.(id), b.onPeerOnline?.(id)),
    onPeerOffline: (id) => (a.onPeerOffline?.(id), b.onPeerOffline?.(id)),
  };
}
