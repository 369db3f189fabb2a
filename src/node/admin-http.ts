// The agent's HTTP admin API (node:http), read-only: GET /v1/members and GET /healthz (JSON), and
// GET /metrics (Prometheus text, when the source has metrics; names in agent-metrics.ts).
// Meta is returned as base64 plus the Serf tags it decodes to (memberlist-wire §14), versions as the
// memberlist protocol range/current and the delegate (Serf) range/current.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { MemberInfo } from "../memberlist/config.ts";
import type { Logger } from "../util/logger.ts";
import { decodeSerfTags } from "./serf-compat.ts";
import { formatHostPort, parseHostPort } from "./addr.ts";

export interface AdminSource {
  members(): MemberInfo[];
  localMember(): MemberInfo;
  /** Lifeguard awareness score, if the core exposes it. */
  healthScore?(): number;
  /** Prometheus exposition for GET /metrics (404 when absent). */
  metrics?(): Promise<{ contentType: string; body: string }>;
}

export interface AdminServer {
  address(): { host: string; port: number };
  close(): Promise<void>;
}

export function memberJson(m: MemberInfo): Record<string, unknown> {
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

export async function serveAdmin(listen: string, src: AdminSource, logger: Logger): Promise<AdminServer> {
  const log = logger.child({ component: "http" });
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    };
    try {
      const url = new URL(req.url ?? "/", "http://x");
      if (req.method !== "GET" && req.method !== "HEAD") return send(405, { error: "method not allowed" });
      if (url.pathname === "/v1/members") {
        const local = src.localMember();
        return send(200, { self: local.name, members: src.members().map(memberJson) });
      }
      if (url.pathname === "/healthz") {
        const members = src.members();
        return send(200, {
          status: "ok",
          node: src.localMember().name,
          alive: members.filter((m) => m.state === "alive").length,
          members: members.length,
          healthScore: src.healthScore?.() ?? null,
        });
      }
      if (url.pathname === "/metrics" && src.metrics) {
        src.metrics().then(
          ({ contentType, body }) => {
            res.writeHead(200, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
            res.end(req.method === "HEAD" ? undefined : body);
          },
          (err: unknown) => {
            log.error({ err: (err as Error).message }, "metrics collection failed");
            send(500, { error: "internal error" });
          },
        );
        return;
      }
      return send(404, { error: "not found" });
    } catch (err) {
      log.error({ err: (err as Error).message, url: req.url }, "admin request failed");
      return send(500, { error: "internal error" });
    }
  });
  server.on("clientError", (_err, sock) => sock.destroy());
  const { host, port } = parseHostPort(listen);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port }, () => {
      server.removeListener("error", reject);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  log.info({ listen: formatHostPort(a.address, a.port) }, "http listening");
  return {
    address: () => ({ host: a.address, port: a.port }),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
