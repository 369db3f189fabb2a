// The Node relay: serveRelay(platform, options), the Node side of the relay adapter (one meaning and one
// signature in both runtimes, see src/relay/service.ts). The portable RelayCore (built by
// createRelayCore on the platform) sits behind a `ws` WebSocket server at /relay (perMessageDeflate off),
// with GET /healthz (alias /health, upstream's JSON shape) and Prometheus GET /metrics (the platform's
// registry: relay_* and, with a cluster, relay_cluster_*) on the same listener. Each ws socket is adapted
// to RelayConn; the core does everything else. close() is the graceful shutdown: MSG_CLOSE to every
// peer, then the sockets and the listener close (sockets still open after 3 s are terminated).
import { createRequire } from "node:module";
// node:http through require, not import: an ES import of node:http builds its module namespace, which
// reads the lazy http.WebSocket/MessageEvent getters and so loads undici (a few MB an idle relay does
// not need). In the compiled CLI (dist/bundle/cli) this keeps it out; see bench/relay.bench.ts for the RSS.
const { createServer } = createRequire(import.meta.url)("node:http") as typeof import("node:http");
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { WebSocket } from "ws";
import { formatHostPort, parseListenAddress } from "../net/index.ts";
import type { Platform } from "../platform/index.ts";
import {
  RELAY_PATH,
  createRelayCore,
  newConnState,
  registerRelayMetrics,
  type RelayConn,
  type RelayConnState,
  type RelayCore,
  type RelayHooks,
  type RelayService,
  type ServeRelayOptions,
} from "../relay/index.ts";
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus, type MetricFamily } from "../util/index.ts";
import type { RelayCluster } from "./relay-cluster.ts";
import { BurstFeed, type CorkableConn } from "./relay-burst.ts";

export type { ServeRelayOptions };

/** The Node relay's handle: the RelayService of both runtimes plus what a listening process knows. */
export interface RelayServer extends RelayService {
  readonly core: RelayCore;
  /** Bound host and port. */
  readonly host: string;
  readonly port: number;
  /** ws://host:port/relay */
  readonly url: string;
  /** The cluster fabric, when `cluster` was given. */
  readonly cluster?: RelayCluster;
}

class WsConn implements CorkableConn {
  state: RelayConnState = newConnState();
  corked = false;
  readonly socket: Duplex | undefined;
  private readonly ws: WebSocket;
  private readonly feed: BurstFeed;
  constructor(ws: WebSocket, feed: BurstFeed) {
    this.ws = ws;
    this.feed = feed;
    this.socket = (ws as unknown as { _socket?: Duplex })._socket ?? undefined; // ws keeps the net.Socket there
  }
  send(bytes: Uint8Array): void {
    if (this.feed.delivering && !this.corked) this.feed.cork(this);
    this.ws.send(bytes);
  }
  close(code?: number, reason?: string): void {
    this.ws.close(code, reason);
  }
  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }
}

interface Answer {
  status: number;
  type: string;
  body: string;
}

const json = (status: number, body: unknown): Answer => ({ status, type: "application/json", body: JSON.stringify(body) });

/** Serves the NetBird relay on a Node listener (options.listen, default 127.0.0.1:8080). */
export async function serveRelay(platform: Platform, opts: ServeRelayOptions): Promise<RelayServer> {
  const log = platform.logger;
  const { host, port } = parseListenAddress(opts.listen ?? "127.0.0.1:8080");
  // Built first: an unsafe fabric configuration (no secret, not insecure) is refused before we listen.
  // The fabric module is loaded only when asked for (a lone relay never needs it).
  const cluster = opts.cluster ? new (await import("./relay-cluster.ts")).RelayCluster(platform, opts.cluster) : undefined;
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: opts.maxPayload ?? 64 * 1024 });
  let core: RelayCore | undefined;

  /** The non-upgrade routes, shared by the listener and fetch(). */
  const answer = (method: string, path: string): Answer => {
    if (method === "GET" && (path === "/healthz" || path === "/health")) {
      return json(200, { status: "healthy", timestamp: new Date(platform.wallClock()).toISOString(), listeners: ["ws"], peers: core?.peerCount ?? 0 });
    }
    if (method === "GET" && path === "/metrics") return { status: 200, type: PROMETHEUS_CONTENT_TYPE, body: renderPrometheus(platform.metrics.snapshot()) };
    if (path === RELAY_PATH) return json(426, { error: { code: "upgrade_required", message: "the relay speaks WebSocket only" } });
    return json(404, { error: { code: "not_found", message: "no such route" } });
  };

  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    let a: Answer;
    try {
      a = answer(req.method ?? "GET", (req.url ?? "/").split("?")[0]!);
    } catch (e) {
      log.error({ err: (e as Error).message }, "relay request failed");
      a = json(500, { error: { code: "internal", message: "internal error" } });
    }
    res.writeHead(a.status, { "content-type": a.type }).end(a.body);
  });
  http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if ((req.url ?? "").split("?")[0] !== RELAY_PATH) {
      // The one JSON error shape, also for an upgrade to a path other than /relay.
      const body = JSON.stringify({ error: { code: "not_found", message: "no such route" } });
      socket.end(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
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
  const bound = formatHostPort(addr.address, addr.port);
  const instanceUrl = opts.instanceUrl ?? `rel://${bound}`;

  const hooks = cluster ? mergeHooks(opts.hooks, cluster.fabric.hooks) : opts.hooks;
  core = createRelayCore(platform, {
    instanceUrl,
    authSecret: opts.authSecret,
    ...(opts.auth ? { auth: opts.auth } : {}),
    ...(opts.tokenMode ? { tokenMode: opts.tokenMode } : {}),
    ...(opts.maxSubscriptionsPerPeer !== undefined ? { maxSubscriptionsPerPeer: opts.maxSubscriptionsPerPeer } : {}),
    ...(opts.maxSubscriptionsTotal !== undefined ? { maxSubscriptionsTotal: opts.maxSubscriptionsTotal } : {}),
    forwarder: cluster?.fabric ?? opts.forwarder ?? null,
    ...(hooks ? { hooks } : {}),
    ...(opts.healthCheck !== undefined ? { healthCheck: opts.healthCheck } : {}),
    ...(opts.authTimeoutMs !== undefined ? { authTimeoutMs: opts.authTimeoutMs } : {}),
  });
  registerRelayMetrics(platform.metrics, core);
  const c = core;
  if (cluster) {
    try {
      await cluster.start(c);
    } catch (e) {
      await new Promise<void>((r) => http.close(() => r()));
      throw e;
    }
  }

  // Messages that arrive in one turn reach the core as one burst (relay-burst.ts).
  const feed = new BurstFeed(c);
  wss.on("connection", (ws: WebSocket) => {
    const conn = new WsConn(ws, feed);
    ws.on("message", (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      if (!isBinary) return feed.push(conn, "");
      feed.push(conn, Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data);
    });
    ws.on("close", () => {
      feed.flush(); // what the connection sent before closing comes first
      c.close(conn);
    });
    ws.on("error", (e: Error) => log.debug({ err: e.message }, "relay socket error"));
    c.open(conn);
  });
  log.info({ listen: bound, instanceUrl, tokenMode: opts.tokenMode ?? "netbird" }, "relay listening");

  let closing: Promise<void> | undefined;
  return {
    core: c,
    host: addr.address,
    port: addr.port,
    url: `ws://${bound}${RELAY_PATH}`,
    instanceUrl,
    ...(cluster ? { cluster } : {}),
    fetch(req: Request): Promise<Response> {
      const a = answer(req.method, new URL(req.url).pathname);
      return Promise.resolve(new Response(a.body, { status: a.status, headers: { "content-type": a.type } }));
    },
    metrics: (): Promise<MetricFamily[]> => Promise.resolve(platform.metrics.snapshot()),
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
