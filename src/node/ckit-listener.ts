// A standalone listener for the gossiphttp routes (docs/protocols/ckit.md §1), for members
// that have no HTTP server of their own (`gossamer agent --transport http2`). One port serves:
//  - cleartext: HTTP/2 with prior knowledge (h2c; the connection opens with the "PRI * HTTP/2.0"
//    preface) and HTTP/1.x (anything else), told apart by the first bytes;
//  - TLS: ALPN h2 -> HTTP/2, http/1.1 or none -> HTTP/1.x.
// HTTP/1.x requests to the gossip routes get 505 (503 once shut down), as from ckit. Other paths get 404
// (applications that serve more mount the handler on their own server instead). A connection that sends
// nothing within PREFIX_TIMEOUT_MS is closed.
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import tls from "node:tls";
import type { Logger } from "../util/index.ts";
import type { CkitHandler } from "./ckit-handler.ts";
import { formatHostPort, hostFamily, normalizeHost, parseHostPort } from "../net/index.ts";
import { TransportNetError } from "../transport/index.ts";

const PREFIX_TIMEOUT_MS = 10_000;
const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export interface TlsServerOptions {
  cert: string | Buffer;
  key: string | Buffer;
  /** Trusted CA: when set, peers must present a certificate it signed (mutual TLS). */
  ca?: string | Buffer;
}

export interface ListenerOptions {
  listen: string;
  handler: CkitHandler;
  logger: Logger;
  tls?: TlsServerOptions;
  settings: http2.Settings;
  localWindowSize: number;
  /** Close a cleartext connection that has not shown HTTP/1 or the HTTP/2 preface by then (default 10 s). */
  prefixTimeoutMs?: number;
}

const NOT_FOUND = '{"error":{"code":"not_found","message":"not found"}}';

export interface GossipListener {
  address(): { host: string; port: number };
  close(): Promise<void>;
}

export async function listenGossip(o: ListenerOptions): Promise<GossipListener> {
  const log = o.logger.child({ component: "gossip-http" });

  const h2 = http2.createServer({ settings: o.settings, maxSessionMemory: 64 });
  h2.on("session", (s) => {
    s.on("error", (err) => log.debug({ err: err.message }, "gossip session error"));
    s.once("connect", () => {
      try {
        s.setLocalWindowSize(o.localWindowSize);
      } catch {
        /* closed already */
      }
    });
    if (s.socket) {
      try {
        s.setLocalWindowSize(o.localWindowSize);
      } catch {
        /* not ready */
      }
    }
  });
  h2.on("stream", (stream, headers) => {
    if (o.handler.handleStream(stream, headers)) return;
    stream.on("error", () => {});
    if (stream.destroyed || stream.closed) return;
    stream.respond({ ":status": 404, "content-type": "application/json" });
    stream.end(NOT_FOUND);
  });
  const h1 = http.createServer((req, res) => {
    if (o.handler.handleRequest(req, res)) return;
    res.writeHead(404, { "content-type": "application/json" });
    res.end(NOT_FOUND);
  });
  h1.on("clientError", (_e, sock) => sock.destroy());

  const sockets = new Set<net.Socket>();
  const route = (sock: net.Socket, h2c: boolean) => (h2c ? h2 : h1).emit("connection", sock);

  const onPlain = (sock: net.Socket) => {
    sockets.add(sock);
    sock.once("close", () => sockets.delete(sock));
    sock.on("error", () => {});
    sock.setTimeout(o.prefixTimeoutMs ?? PREFIX_TIMEOUT_MS, () => sock.destroy());
    let seen: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, H2_PREFACE.length);
      const isH2 = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
      if (isH2 && n < H2_PREFACE.length) return; // wait for the whole preface
      sock.removeListener("data", onData);
      sock.setTimeout(0);
      sock.pause();
      sock.unshift(seen);
      route(sock, isH2);
      process.nextTick(() => sock.resume());
    };
    sock.on("data", onData);
  };

  let server: net.Server;
  if (o.tls) {
    const t = o.tls;
    server = tls.createServer({
      noDelay: true,
      cert: t.cert,
      key: t.key,
      ...(t.ca ? { ca: t.ca, requestCert: true, rejectUnauthorized: true } : {}),
      ALPNProtocols: ["h2", "http/1.1"],
    });
    server.on("secureConnection", (sock: tls.TLSSocket) => {
      sock.setNoDelay(true);
      sockets.add(sock);
      sock.once("close", () => sockets.delete(sock));
      route(sock, sock.alpnProtocol === "h2");
    });
    server.on("tlsClientError", (err) => log.debug({ err: err.message }, "gossip TLS handshake failed"));
  } else {
    server = net.createServer({ noDelay: true }, onPlain);
  }

  const { host, port } = parseHostPort(o.listen);
  const bindHost = normalizeHost(host);
  if (hostFamily(bindHost) === 0) throw new TransportNetError(`listen host must be an IP literal, got ${JSON.stringify(host)}`);
  await new Promise<void>((resolve, reject) => {
    const onErr = (err: Error) => reject(new TransportNetError(`listen ${formatHostPort(bindHost, port)}: ${err.message}`, { cause: err }));
    server.once("error", onErr);
    server.listen({ host: bindHost, port }, () => {
      server.removeListener("error", onErr);
      resolve();
    });
  });
  server.on("error", (err) => log.warn({ err: err.message }, "gossip listener error"));
  const a = server.address() as net.AddressInfo;
  log.info({ listen: formatHostPort(a.address, a.port), tls: !!o.tls }, "gossip http listening");
  return {
    address: () => ({ host: a.address, port: a.port }),
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        sockets.clear();
        h1.closeAllConnections();
        server.close(() => r());
      }),
  };
}
