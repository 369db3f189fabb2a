// The agent's HTTP listener (--http): one Hono app served by @hono/node-server, with the SAME store API
// module the worker's Durable Object mounts (src/api/store-api.ts) next to the agent's own routes:
//   GET /v1/members   members with Serf tags and versions      GET /healthz   liveness + counts
//   GET /v1/peers     ckit's peer JSON (with ckit's node layer; 404 not_enabled otherwise)
//   GET /metrics      Prometheus text (memberlist collectors + the platform registry: state, gossip, edge)
//   GET /ui           the live status page (agent-ui.ts, src/ui/): behind --http-token when it is set
//   POST /v1/messages, GET /v1/state, /v1/route, /v1/watch (WebSocket via the ws package)
// Store routes: with --http-token every one needs the bearer token; without it they are read-only and
// writes answer 401 saying so (src/api/auth-policy.ts). Errors use {"error":{"code","message"}}.
import type { AddressInfo } from "node:net";
import { serve, upgradeWebSocket, type ServerType } from "@hono/node-server";
import { Hono, type Context } from "hono";
import { WebSocketServer } from "ws";
import type { WebSocket as WsSocket } from "ws";
import { storeApi, storeAuthPolicy, WatchHub, type StoreHost, type WatchFormat, type WatchSocket } from "../api/index.ts";
import { decodeSerfTags, type MemberInfo } from "../memberlist/index.ts";
import { formatHostPort, parseHostPort } from "../net/index.ts";
import type { StateStore } from "../state/index.ts";
import type { Logger, MetricsRegistry } from "../util/index.ts";
import { uiRoutes, type UiCkitPeer, type UiMember } from "../ui/index.ts";
import { agentUiHost } from "./agent-ui.ts";

/** A member as /v1/members shows it: meta as base64 plus the Serf tags it decodes to
 * (docs/protocols/serf.md §1), versions as the memberlist protocol range/current and the delegate range/current. */
export function memberJson(m: MemberInfo): UiMember & { meta: string } {
  const meta = m.meta ?? new Uint8Array(0);
  return {
    name: m.name,
    address: m.addr,
    port: m.port,
    state: m.state,
    incarnation: m.incarnation,
    meta: Buffer.from(meta).toString("base64"),
    tags: decodeSerfTags(meta) ?? null,
    protocol: { min: m.vsn[0], max: m.vsn[1], cur: m.vsn[2] },
    delegate: { min: m.vsn[3], max: m.vsn[4], cur: m.vsn[5] },
  };
}

export interface AgentHttpSource {
  members(): MemberInfo[];
  localMember(): MemberInfo;
  healthScore?(): number;
  /** Prometheus exposition for GET /metrics. */
  metrics(): Promise<{ contentType: string; body: string }>;
  store: StateStore;
  registry: MetricsRegistry;
  /** Bearer token for the store routes; undefined = read-only store API. */
  token: string | undefined;
  /** Extra fields for /healthz (edge link state, storage). */
  health?(): Record<string, unknown>;
  /** GET /v1/peers: ckit's peer JSON array, when ckit's node layer runs (docs/protocols/ckit.md §8). */
  peers?(): string;
}

/** ckit's peer JSON (docs/protocols/ckit.md §4.2: name, addr, isSelf, state) as the status page's rows. */
export function ckitPeersOf(json: string): UiCkitPeer[] {
  const peers = JSON.parse(json) as { name: string; addr: string; isSelf: boolean; state: string }[];
  return peers.map((p) => ({ name: p.name, addr: p.addr, self: p.isSelf, state: p.state }));
}

export interface AgentHttpServer {
  address(): { host: string; port: number };
  readonly watchers: number;
  close(): Promise<void>;
}

export async function serveAgentHttp(listen: string, src: AgentHttpSource, logger: Logger): Promise<AgentHttpServer> {
  const log = logger.child({ component: "http" });
  const hub = new WatchHub(src.store);
  const host: StoreHost = {
    store: src.store,
    metrics: src.registry,
    acceptWatch(c: Context, since: number | null, format: WatchFormat) {
      let sock: WatchSocket | null = null;
      return upgradeWebSocket(c, {
        onOpen(_evt, ws) {
          const raw = ws.raw as WsSocket;
          sock = {
            send: (t) => raw.send(t),
            close: (code, reason) => raw.close(code, reason),
            get bufferedAmount() {
              return raw.bufferedAmount;
            },
          };
          hub.add(sock, format, since);
        },
        onMessage(evt, ws) {
          // Read-only stream; "ping" is answered like the Durable Object's auto-response.
          if (evt.data === "ping") ws.send("pong");
          else ws.close(1003, "the watch stream is read-only");
        },
        onClose() {
          if (sock) hub.remove(sock);
        },
      });
    },
  };

  const app = new Hono();
  app.get("/v1/members", (c) => c.json({ self: src.localMember().name, members: src.members().map(memberJson) }));
  app.get("/healthz", (c) => {
    const members = src.members();
    return c.json({
      status: "ok",
      node: src.localMember().name,
      alive: members.filter((m) => m.state === "alive").length,
      members: members.length,
      healthScore: src.healthScore?.() ?? null,
      state: { records: src.store.size, cursor: src.store.cursor },
      ...(src.health?.() ?? {}),
    });
  });
  app.get("/v1/peers", (c) => {
    if (!src.peers) return c.json({ error: { code: "not_enabled", message: "peer states need --transport http2 or --peer-state" } }, 404);
    return c.body(src.peers(), 200, { "content-type": "application/json" });
  });
  app.get("/metrics", async (c) => {
    const { contentType, body } = await src.metrics();
    return c.body(body, 200, { "content-type": contentType });
  });
  const auth = storeAuthPolicy({ token: src.token, tokenSetting: "--http-token (GOSSAMER_HTTP_TOKEN)" });
  for (const p of ["/v1/messages", "/v1/state", "/v1/route", "/v1/watch"]) app.use(p, auth);
  app.route("/", storeApi(host));
  app.route(
    "/",
    uiRoutes(
      agentUiHost({
        members: () => src.members(),
        localMember: () => src.localMember(),
        memberJson,
        ...(src.healthScore ? { healthScore: () => src.healthScore!() } : {}),
        store: src.store,
        token: src.token,
        ...(src.health ? { health: () => src.health!() } : {}),
        ...(src.peers ? { ckitPeers: () => ckitPeersOf(src.peers!()) } : {}),
        watch: (c) => host.acceptWatch(c, null, "changes"),
      }),
    ),
  );
  const known = ["/v1/members", "/v1/peers", "/healthz", "/metrics", "/v1/messages", "/v1/state", "/v1/route", "/v1/watch", "/ui", "/ui/fragment", "/ui/data", "/ui/watch", "/ui/login", "/ui/logout"];
  app.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    if (known.includes(path)) return c.json({ error: { code: "method_not_allowed", message: `${c.req.method} not allowed on ${path}` } }, 405);
    return c.json({ error: { code: "not_found", message: "no such route" } }, 404);
  });
  app.onError((err, c) => {
    log.error({ err: err.message, path: new URL(c.req.url).pathname }, "request failed");
    return c.json({ error: { code: "internal", message: "internal error" } }, 500);
  });

  const { host: h, port } = parseHostPort(listen);
  const wss = new WebSocketServer({ noServer: true });
  const server: ServerType = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: h, port, websocket: { server: wss } }, () => resolve(s));
    s.once("error", reject);
  });
  server.on("clientError", (_err: unknown, sock: { destroy(): void }) => sock.destroy());
  const a = server.address() as AddressInfo;
  log.info({ listen: formatHostPort(a.address, a.port) }, "http listening");
  return {
    address: () => ({ host: a.address, port: a.port }),
    get watchers() {
      return hub.size;
    },
    close: () =>
      new Promise<void>((r) => {
        hub.close();
        for (const c of wss.clients) c.terminate();
        const hs = server as import("node:http").Server;
        hs.closeAllConnections?.();
        hs.close(() => r());
      }),
  };
}
