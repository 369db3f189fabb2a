// Client side of the mesh admin API (mesh-admin.ts), for `gossamer mesh <operation>`: JSON requests over
// TCP or a Unix socket, the error shape turned back into an Error, and the SSE message stream as JSON lines.
import http from "node:http";
import { parseHostPort } from "../net/index.ts";

export class MeshApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function target(addr: string): { socketPath: string } | { host: string; port: number } {
  if (addr.startsWith("unix:")) return { socketPath: addr.slice(5) };
  return parseHostPort(addr);
}

/** One request; resolves with the parsed JSON (or the text of a non-JSON response). */
export function meshRequest(addr: string, method: string, path: string, body?: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({ ...target(addr), method, path, headers: data ? { "content-type": "application/json", "content-length": Buffer.byteLength(data) } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const json = (res.headers["content-type"] ?? "").startsWith("application/json");
        if ((res.statusCode ?? 500) >= 400) {
          const e = json ? (JSON.parse(text) as { error?: { code?: string; message?: string } }).error : undefined;
          reject(new MeshApiError(res.statusCode ?? 500, e?.code ?? "http", e?.message ?? text));
          return;
        }
        resolve(json ? JSON.parse(text) : text);
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(data);
  });
}

/** Follows the message stream, calling `line` with each message's JSON; resolves when the stream ends. */
export function meshStream(addr: string, line: (json: string) => void, opts: { after?: number; signal?: AbortSignal; onOpen?: () => void } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const path = `/v1/mesh/messages${opts.after !== undefined ? `?after=${opts.after}` : ""}`;
    const req = http.request({ ...target(addr), method: "GET", path, ...(opts.signal ? { signal: opts.signal } : {}) }, (res) => {
      if ((res.statusCode ?? 500) >= 400) {
        reject(new MeshApiError(res.statusCode ?? 500, "http", `stream refused (${res.statusCode})`));
        res.resume();
        return;
      }
      opts.onOpen?.();
      let buf = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        buf += c;
        let i: number;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const event = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = event
            .split("\n")
            .filter((l) => l.startsWith("data: "))
            .map((l) => l.slice(6))
            .join("\n");
          if (data) line(data);
        }
      });
      res.on("end", () => resolve());
      res.on("error", (e) => (opts.signal?.aborted ? resolve() : reject(e)));
    });
    req.on("error", (e) => (opts.signal?.aborted ? resolve() : reject(e)));
    req.end();
  });
}
