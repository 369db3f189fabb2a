// Admin HTTP API of `gossamer mesh` (docs/protocols/meshage.md §8): minimega's `mesh` operations as JSON
// endpoints, a Server-Sent Events stream of received messages, Prometheus /metrics and /healthz. Listens
// on HOST:PORT or unix:/path (a Unix socket also reaches a node inside a network namespace). Errors are
// {"error":{"code","message"}}. GET /ui is the node's status page with the mesh graph (mesh-ui.ts).
import { chmodSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { expandTargets, MeshError, stringBody, gob, type Delivery, type MeshNode, type SendResult } from "../mesh/index.ts";
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus, type Logger, type MetricsRegistry } from "../util/index.ts";
import { parseHostPort } from "../net/index.ts";
import { meshUiListener } from "./mesh-ui.ts";

const MAX_BODY = 1 << 20;
/** An SSE subscriber further behind than this is disconnected (it can resume with Last-Event-ID). */
const MAX_STREAM_BACKLOG = 4 << 20;

export interface MeshAdminServer {
  /** "host:port" or "unix:/path". */
  readonly address: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const STATUS_BY_REASON: Record<string, number> = {
  "no-client": 404,
  "bad-target": 400,
  "send-self": 400,
  "no-recipients": 409,
  refused: 409,
  dial: 502,
  stopped: 503,
};

/** A delivery as JSON (body as {type, value}; big integers as strings). */
export function deliveryJson(d: Delivery): Record<string, unknown> {
  const m = d.message;
  return {
    seq: d.seq,
    from: d.from,
    at: new Date(d.at).toISOString(),
    source: m.source,
    instance: m.instance.toString(),
    recipients: m.recipients,
    route: m.route,
    body: m.body ? { type: m.body.name, value: gob.toPlain(m.body.type, m.body.value) } : null,
  };
}

export function sendResultJson(r: SendResult): Record<string, unknown> {
  return {
    recipients: r.recipients,
    unroutable: r.unroutable,
    failed: r.failed.map((f) => ({ hop: f.hop, recipients: f.recipients, error: { code: f.error.code, message: f.error.message } })),
  };
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > MAX_BODY) throw new HttpError(413, "too_large", "request body over 1 MiB");
    chunks.push(c);
  }
  if (n === 0) return {};
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
    return v as Record<string, unknown>;
  } catch {
    throw new HttpError(400, "bad_json", "request body must be a JSON object");
  }
}

function num(v: unknown, what: string): number {
  const x = typeof v === "string" ? Number(v) : v;
  if (typeof x !== "number" || !Number.isFinite(x) || x < 0) throw new HttpError(400, "bad_request", `${what} must be a non-negative number`);
  return x;
}

function str(v: unknown, what: string): string {
  if (typeof v !== "string" || v === "") throw new HttpError(400, "bad_request", `${what} must be a non-empty string`);
  return v;
}

export async function serveMeshAdmin(listen: string, node: MeshNode, metrics: MetricsRegistry, logger: Logger): Promise<MeshAdminServer> {
  const log = logger.child({ component: "mesh-http" });
  const streams = new Set<http.ServerResponse>();

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  };

  const stream = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    const after = Number(req.headers["last-event-id"] ?? url.searchParams.get("after") ?? "NaN");
    const write = (d: Delivery) => {
      res.write(`id: ${d.seq}\nevent: message\ndata: ${gob.toJsonText(deliveryJson(d) as gob.Plain)}\n\n`);
      if (res.writableLength > MAX_STREAM_BACKLOG) res.destroy();
    };
    res.write(": gossamer mesh messages\n\n");
    if (Number.isFinite(after)) for (const d of node.recentDeliveries(after)) write(d);
    streams.add(res);
    const off = node.onMessage(write);
    res.on("close", () => {
      off();
      streams.delete(res);
    });
  };

  const ui = meshUiListener(node);
  const route = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://mesh");
    const p = url.pathname;
    if (p === "/ui" || p.startsWith("/ui/")) return ui(req, res);
    const m = req.method ?? "GET";
    const get = m === "GET" || m === "HEAD";
    if (p === "/healthz" && get) return send(res, 200, { status: "ok", node: node.name, peers: node.clients().length });
    if (p === "/metrics" && get) {
      const body = renderPrometheus(metrics.snapshot());
      res.writeHead(200, { "content-type": PROMETHEUS_CONTENT_TYPE, "content-length": Buffer.byteLength(body) });
      res.end(m === "HEAD" ? undefined : body);
      return;
    }
    if (p === "/v1/mesh/status" && get) {
      const mesh = node.mesh();
      return send(res, 200, {
        name: node.name,
        size: Object.keys(mesh).length,
        degree: node.degree,
        peers: node.clients().length,
        context: node.namespace,
        port: node.port,
        clients: node.clients(),
        instance: node.instance.toString(),
        version: node.version,
        msaSeconds: node.msaPeriodMs / 1000,
        timeoutSeconds: node.timeoutMs / 1000,
      });
    }
    if (p === "/v1/mesh/degree") {
      if (get) return send(res, 200, { degree: node.degree });
      if (m === "PUT" || m === "POST") {
        node.setDegree(num((await readJson(req)).degree, "degree"));
        return send(res, 200, { degree: node.degree });
      }
    }
    if (p === "/v1/mesh/timeout") {
      if (get) return send(res, 200, { timeoutSeconds: node.timeoutMs / 1000 });
      if (m === "PUT" || m === "POST") {
        const s = num((await readJson(req)).timeoutSeconds, "timeoutSeconds");
        if (s === 0) throw new HttpError(400, "bad_request", "timeoutSeconds must be positive");
        node.setTimeoutMs(s * 1000);
        return send(res, 200, { timeoutSeconds: node.timeoutMs / 1000 });
      }
    }
    if (p === "/v1/mesh/dial" && m === "POST") {
      const name = await node.dial(str((await readJson(req)).host, "host"));
      return send(res, 200, { name });
    }
    if (p === "/v1/mesh/hangup" && m === "POST") {
      node.hangup(str((await readJson(req)).host, "host"));
      return send(res, 200, {});
    }
    if (p === "/v1/mesh/list" && get) {
      const mesh = node.mesh();
      const mode = url.searchParams.get("mode") ?? "";
      const names = Object.keys(mesh).sort();
      if (mode === "all") return send(res, 200, { nodes: names });
      if (mode === "peers") return send(res, 200, { nodes: names.filter((n) => n !== node.name) });
      if (mode !== "") throw new HttpError(400, "bad_request", "mode must be all or peers");
      return send(res, 200, { mesh });
    }
    if (p === "/v1/mesh/dot" && get) {
      const body = node.dot();
      res.writeHead(200, { "content-type": "text/vnd.graphviz; charset=utf-8", "content-length": Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    if (p === "/v1/mesh/send" && m === "POST") {
      const b = await readJson(req);
      const targets = expandTargets(str(b.to, "to"));
      if (typeof b.body !== "string") throw new HttpError(400, "bad_request", "body must be a string");
      const recipients = targets === "all" ? node.broadcastRecipients() : targets;
      if (recipients.length === 0) throw new MeshError("no-recipients", "no other nodes in the mesh");
      return send(res, 200, sendResultJson(await node.set(recipients, stringBody(b.body))));
    }
    if (p === "/v1/mesh/messages" && get) return stream(req, res, url);
    const known = ["/v1/mesh/status", "/v1/mesh/degree", "/v1/mesh/timeout", "/v1/mesh/dial", "/v1/mesh/hangup", "/v1/mesh/list", "/v1/mesh/dot", "/v1/mesh/send", "/v1/mesh/messages", "/healthz", "/metrics"];
    if (known.includes(p)) throw new HttpError(405, "method_not_allowed", `${m} not allowed on ${p}`);
    throw new HttpError(404, "not_found", `no route ${p}`);
  };

  const server = http.createServer((req, res) => {
    route(req, res).catch((e: unknown) => {
      if (res.headersSent) return res.destroy();
      if (e instanceof HttpError) return send(res, e.status, { error: { code: e.code, message: e.message } });
      if (e instanceof MeshError) return send(res, STATUS_BY_REASON[e.reason] ?? 500, { error: { code: e.code, message: e.message } });
      log.error({ err: (e as Error).message, url: req.url }, "admin request failed");
      send(res, 500, { error: { code: "internal", message: "internal error" } });
    });
  });
  server.on("clientError", (_e, sock) => sock.destroy());

  let address: string;
  if (listen.startsWith("unix:")) {
    const path = listen.slice(5);
    rmSync(path, { force: true });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => resolve());
    });
    chmodSync(path, 0o600);
    address = listen;
  } else {
    const { host, port } = parseHostPort(listen);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host, port }, () => resolve());
    });
    const a = server.address() as AddressInfo;
    address = a.family === "IPv6" ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  }
  log.info({ listen: address }, "http listening");
  return {
    address,
    close: () =>
      new Promise<void>((r) => {
        for (const s of streams) s.destroy();
        server.closeAllConnections();
        server.close(() => r());
        if (listen.startsWith("unix:")) rmSync(listen.slice(5), { force: true });
      }),
  };
}
