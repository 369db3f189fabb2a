// The mesh's network on Node (docs/protocols/meshage.md §2.2, §3): TCP links on the mesh port (default 9000,
// one connection per neighbour, Nagle off), and UDP solicitations on the same port number: received on
// 0.0.0.0:port, sent to the broadcast addresses (mesh-broadcast.ts). A link's FIN reads as "eof", an RST
// or socket error as "reset"/"error", so the node can fail pending sends at once.
import dgram from "node:dgram";
import net from "node:net";
import type { AddressInfo } from "node:net";
import type { MeshConn, MeshConnCloseReason, MeshTransport } from "../mesh/index.ts";
import { DEFAULT_PORT } from "../mesh/index.ts";
import { formatHostPort, normalizeHost, parseHostPort } from "../net/index.ts";
import { interfaceBroadcasts } from "./mesh-broadcast.ts";

export interface NodeMeshTransportOptions {
  /** Mesh port for TCP and UDP (0: any free port, the same number for both). Default 9000. */
  port?: number;
  /** Address to listen on (default 0.0.0.0). Solicitations are always received on 0.0.0.0. */
  host?: string;
  /** Broadcast addresses for solicitations (default: every IPv4 interface's, see mesh-broadcast.ts). */
  broadcast?: string[];
  /** Receive solicitations (default true). */
  udp?: boolean;
}

class NodeMeshConn implements MeshConn {
  readonly remoteAddress: string;
  private readonly socket: net.Socket;
  private closedBy: MeshConnCloseReason | null = null;
  private readonly owner: Set<NodeMeshConn>;

  constructor(socket: net.Socket, owner: Set<NodeMeshConn>) {
    this.socket = socket;
    this.owner = owner;
    this.remoteAddress = formatHostPort(socket.remoteAddress ?? "?", socket.remotePort ?? 0);
    socket.setNoDelay(true);
    socket.pause();
    owner.add(this);
  }

  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  start(h: { data(chunk: Uint8Array): void; close(reason: MeshConnCloseReason): void }): void {
    const s = this.socket;
    let reported = false;
    const report = (r: MeshConnCloseReason) => {
      if (reported) return;
      reported = true;
      this.owner.delete(this);
      h.close(this.closedBy ?? r);
    };
    s.on("data", (b: Buffer) => h.data(b));
    s.on("end", () => {
      // The peer's FIN: minimega's reader sees EOF and drops the client; so do we.
      report("eof");
      s.destroy();
    });
    s.on("error", (e: NodeJS.ErrnoException) => report(e.code === "ECONNRESET" || e.code === "EPIPE" ? "reset" : "error"));
    s.on("close", () => report("eof"));
    s.resume();
  }

  write(bytes: Uint8Array): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    this.socket.write(bytes);
  }

  close(): void {
    this.closedBy ??= "local";
    this.owner.delete(this);
    // Like Go's conn.Close(): the kernel sends FIN (RST if unread data is pending).
    this.socket.destroy();
  }

  destroy(): void {
    this.closedBy ??= "local";
    this.owner.delete(this);
    this.socket.resetAndDestroy();
  }
}

export class NodeMeshTransport implements MeshTransport {
  private readonly o: NodeMeshTransportOptions;
  private server: net.Server | null = null;
  private udp: dgram.Socket | null = null;
  private sender: dgram.Socket | null = null;
  private solicitationHandler: ((payload: Uint8Array, from: string) => void) | null = null;
  private readonly conns = new Set<NodeMeshConn>();
  private boundPort: number;

  constructor(o: NodeMeshTransportOptions = {}) {
    this.o = o;
    this.boundPort = o.port ?? DEFAULT_PORT;
  }

  /** Addresses solicitations go to: the configured ones, else re-read from the interfaces on each use. */
  get broadcast(): readonly string[] {
    return this.o.broadcast && this.o.broadcast.length > 0 ? this.o.broadcast : interfaceBroadcasts();
  }

  /** The mesh port in use (the chosen one after listening on port 0). */
  get port(): number {
    return this.boundPort;
  }

  async listen(accept: (conn: MeshConn) => void): Promise<void> {
    const server = net.createServer({ noDelay: true, pauseOnConnect: true }, (socket) => accept(new NodeMeshConn(socket, this.conns)));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ port: this.boundPort, host: this.o.host ?? "0.0.0.0" }, () => {
        server.removeListener("error", reject);
        resolve();
      });
    });
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
    if (this.o.udp === false) return;
    const udp = dgram.createSocket({ type: "udp4", reuseAddr: false });
    udp.on("message", (msg, rinfo) => this.solicitationHandler?.(msg, normalizeHost(rinfo.address)));
    udp.on("error", () => {});
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind({ port: this.boundPort, address: "0.0.0.0" }, () => {
        udp.removeListener("error", reject);
        resolve();
      });
    });
    this.udp = udp;
    const sender = dgram.createSocket("udp4");
    sender.on("error", () => {});
    await new Promise<void>((resolve) => sender.bind(0, () => resolve()));
    sender.setBroadcast(true);
    this.sender = sender;
  }

  dial(host: string, timeoutMs: number): Promise<MeshConn> {
    let target: { host: string; port: number };
    try {
      target = parseHostPort(host, this.boundPort);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: target.host, port: target.port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`dial ${host}: i/o timeout after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.removeAllListeners("error");
        resolve(new NodeMeshConn(socket, this.conns));
      });
      socket.once("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  solicit(payload: Uint8Array): void {
    if (!this.sender) return; // not listening
    for (const addr of this.broadcast) this.sender.send(payload, this.boundPort, addr, () => {});
  }

  onSolicitation(handler: (payload: Uint8Array, from: string) => void): void {
    this.solicitationHandler = handler;
  }

  async close(): Promise<void> {
    for (const c of [...this.conns]) c.close();
    this.udp?.close();
    this.sender?.close();
    this.udp = this.sender = null;
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}
