// Server side of the gossiphttp transport (docs/protocols/ckit.md §1): the two routes under
// /api/v1/ckit/transport/, mountable on an application's own node:http2 (or node:http) server like
// ckit's Handler(). Check order for both routes, as ckit: shut down -> 503; not HTTP/2 -> 505 (so an
// HTTP/1.1 request never gets as far as its content type); Content-Type not exactly
// application/x.ckit -> 400. Other paths under the route prefix -> 404.
//
//  /message  reads frames until the body ends and delivers each one as soon as it is complete (a body
//            may stay open for a long time, docs/protocols/ckit.md §3.1); every frame is one packet
//            {payload, from = the client's ip:port (or the advertised address a gossamer client sends in
//            `gossamer-from`), timestamp = when the DATA carrying its end arrived}; a bad frame -> 400,
//            frames before it are still delivered; otherwise 200 with no body once the body has ended.
//  /stream   answers 200 at once, then the request and response bodies are one full-duplex StreamConn.
//
// Bounds: a /message body is read incrementally (only an incomplete frame is held, at most maxFrame);
// accepted streams are capped (maxStreams, excess get 503) and charged to the StreamBudget; a request
// idle for REQUEST_IDLE_MS is reset.
import { constants, type Http2ServerRequest, type Http2ServerResponse, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import type { IncomingMessage, ServerResponse } from "node:http";
import { BASE_ROUTE, CKIT_CONTENT_TYPE, FROM_HEADER, FrameReader, MESSAGE_PATH, STREAM_PATH, type TransportMetrics } from "../ckit/index.ts";
import type { Hotpath } from "../hotpath/index.ts";
import type { Clock } from "../util/index.ts";
import type { Logger } from "../util/index.ts";
import { formatHostPort, hostFamily, parseHostPort } from "../net/index.ts";
import { H2StreamConn } from "./ckit-stream-conn.ts";
import type { StreamBudget } from "./stream-budget.ts";

const REQUEST_IDLE_MS = 30_000;
/** After answering 400 to a bad body, how long a client may go on sending before its stream is reset. */
const DRAIN_AFTER_ERROR_MS = 5_000;

export interface HandlerDeps {
  hot: Hotpath;
  clock: Clock;
  logger: Logger;
  metrics: TransportMetrics;
  maxFrame: number;
  maxStreams: number;
  budget: StreamBudget;
  closed(): boolean;
  packet(buf: Uint8Array, from: string, timestamp: number): void;
  stream(conn: H2StreamConn): void;
}

/** What an application mounts (ckit's Handler()): the route prefix and two ways to hand requests in. */
export interface CkitHandler {
  readonly route: string;
  /** node:http2 stream API ('stream' event). Returns false when the path is not ours (not handled). */
  handleStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): boolean;
  /** Compatibility API ('request' event of node:http2 or node:http). Returns false when not ours. */
  handleRequest(req: Http2ServerRequest | IncomingMessage, res: Http2ServerResponse | ServerResponse): boolean;
}

function pathOf(raw: string | undefined): string {
  const p = raw ?? "/";
  const q = p.indexOf("?");
  return q < 0 ? p : p.slice(0, q);
}

export function createHandler(d: HandlerDeps): CkitHandler {
  let openStreams = 0;
  const log = d.logger;

  function reply(stream: ServerHttp2Stream, status: number): void {
    // A request can arrive already reset (a client that gave up within the same read): respond() would throw.
    if (stream.destroyed || stream.closed || stream.headersSent) return;
    stream.respond({ ":status": status }, { endStream: true });
  }

  function remoteOf(stream: ServerHttp2Stream): string {
    const sock = stream.session?.socket;
    return sock?.remoteAddress ? formatHostPort(sock.remoteAddress, sock.remotePort ?? 0) : "unknown";
  }

  /** The sender's advertised address when a gossamer client named it (an IP literal and a port). */
  function advertisedFrom(v: string | string[] | undefined): string | undefined {
    if (typeof v !== "string" || v.length > 64) return undefined;
    try {
      const { host, port } = parseHostPort(v);
      if (hostFamily(host) === 0 || !(port > 0 && port < 65536)) return undefined;
      return formatHostPort(host, port);
    } catch {
      return undefined;
    }
  }

  function message(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    let at = d.clock.now();
    const from = advertisedFrom(headers[FROM_HEADER]) ?? remoteOf(stream);
    // Frames and bytes delivered from the current chunk, counted once per chunk.
    let count = 0;
    let bytes = 0;
    const counted = () => {
      if (count === 0) return;
      d.metrics.rxPackets(count, bytes);
      count = 0;
      bytes = 0;
    };
    const reader = new FrameReader(
      d.hot,
      (payload) => {
        count++;
        bytes += payload.length;
        d.packet(payload.slice(), from, at);
      },
      { maxFrame: d.maxFrame },
    );
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      log.warn({ from, err: err.message }, "error reading packet from peer");
      counted();
      reply(stream, 400);
      // The answer is given; the rest of the body is read and dropped. Resetting the stream at once
      // can discard the queued 400 before it leaves, so a client that keeps sending is reset later.
      const t = setTimeout(() => {
        if (!stream.closed && !stream.destroyed) stream.close(constants.NGHTTP2_CANCEL);
      }, DRAIN_AFTER_ERROR_MS);
      t.unref();
      stream.once("close", () => clearTimeout(t));
    };
    stream.on("data", (chunk: Buffer) => {
      if (failed) return;
      at = d.clock.now();
      try {
        reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      } catch (err) {
        fail(err as Error);
        return;
      }
      counted();
    });
    stream.on("end", () => {
      if (failed) return;
      try {
        reader.end();
      } catch (err) {
        fail(err as Error);
        return;
      }
      reply(stream, 200);
    });
    stream.on("error", () => {});
  }

  function accept(stream: ServerHttp2Stream): void {
    if (openStreams >= d.maxStreams) {
      log.warn({ open: openStreams }, "refusing stream: too many open");
      return reply(stream, 503);
    }
    if (stream.destroyed || stream.closed) return;
    openStreams++;
    stream.respond({ ":status": 200 }, { endStream: false });
    const conn = new H2StreamConn(stream, remoteOf(stream), {
      hot: d.hot,
      clock: d.clock,
      metrics: d.metrics,
      maxFrame: d.maxFrame,
      budget: d.budget,
      onClose: () => void openStreams--,
    });
    d.stream(conn);
  }

  function handleStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): boolean {
    const path = pathOf(headers[":path"]);
    if (!path.startsWith(BASE_ROUTE)) return false;
    stream.on("error", (err) => log.debug({ err: err.message }, "gossip stream error"));
    if (path !== MESSAGE_PATH && path !== STREAM_PATH) {
      reply(stream, 404);
      return true;
    }
    if (d.closed()) {
      reply(stream, 503);
      return true;
    }
    if (headers["content-type"] !== CKIT_CONTENT_TYPE) {
      reply(stream, 400);
      return true;
    }
    stream.setTimeout(REQUEST_IDLE_MS, () => {
      if (!stream.destroyed) stream.close(constants.NGHTTP2_CANCEL);
    });
    if (path === MESSAGE_PATH) message(stream, headers);
    else accept(stream);
    return true;
  }

  function handleRequest(req: Http2ServerRequest | IncomingMessage, res: Http2ServerResponse | ServerResponse): boolean {
    const path = pathOf(req.url);
    if (!path.startsWith(BASE_ROUTE)) return false;
    if ("stream" in req && req.httpVersionMajor === 2) return handleStream(req.stream, req.headers);
    // HTTP/1.x: 503 when shut down, else 505, whatever the path or content type (ckit's order).
    const status = path !== MESSAGE_PATH && path !== STREAM_PATH ? 404 : d.closed() ? 503 : 505;
    (res as ServerResponse).writeHead(status, { "content-length": "0" });
    res.end();
    return true;
  }

  return { route: BASE_ROUTE, handleStream, handleRequest };
}
