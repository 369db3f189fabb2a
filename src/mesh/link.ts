// One TCP connection to a neighbour (docs/protocols/meshage.md §2.2, §6): the handshake, the gob streams in
// both directions, hop-by-hop ACKs and the one-outstanding-send rule.
//   acceptor: writes name (string), soliciting (bool), version (string); reads name, version.
//   dialer:   reads those three; writes name, version (or hangs up by rule: the node decides).
// After that, every non-ACK Message read is ACKed at once (same ID) before it is handed to the node.
// Sends are queued: one is written, then the link waits for the ACK with its ID (other ACKs are
// discarded) for at most the node timeout; on timeout the link is closed, as minimega does. When the
// connection closes the waiting send and everything queued fail AT ONCE (minimega waits out the
// timeout). Silence for 2 MSA periods closes the link (the periodic MSAs keep it alive).
import { GobError, GobStreamDecoder, GobStreamEncoder, BOOL, STRING, type GobLimits, type TypeRegistry } from "./gob/index.ts";
import type { Clock, TimerHandle } from "../util/index.ts";
import { LINK_QUEUE_LIMIT, LINK_WRITE_BUFFER_LIMIT } from "./constants.ts";
import { MeshError } from "./errors.ts";
import { encodeMessage, readMessage } from "./message-codec.ts";
import { MESSAGE_TYPE, type MeshMessage } from "./message.ts";
import type { LinkItem, MeshConn, MeshConnCloseReason } from "./transport.ts";

export type LinkRole = "acceptor" | "dialer";
export type LinkCloseReason = MeshConnCloseReason | "timeout" | "read-deadline" | "decode" | "handshake" | "refused" | "replaced" | "hangup" | "stalled" | "stopped";

export interface HandshakeInfo {
  name: string;
  version: string;
  /** Dialer side: whether the acceptor still solicits. */
  solicited?: boolean;
}

export interface LinkHooks {
  /** The remote's handshake values are in. Return a MeshError to hang up. Dialers then send theirs. */
  handshake(link: Link, info: HandshakeInfo): MeshError | null;
  up(link: Link): void;
  /** `bytes`: the message's size on the wire (0 on object-carrying connections). */
  message(link: Link, m: Exclude<MeshMessage, { kind: "ack" }>, bytes: number): void;
  closed(link: Link, reason: LinkCloseReason, err?: unknown): void;
  /** Counts a unit written or read, by message kind (metrics). */
  count?(dir: "sent" | "received", kind: MeshMessage["kind"] | "handshake"): void;
}

export interface LinkOptions {
  clock: Clock;
  registry: TypeRegistry;
  limits?: Partial<GobLimits>;
  self: string;
  version: string;
  /** Acceptor: our soliciting flag, decided at accept time. */
  soliciting?: boolean;
  ackTimeoutMs: number;
  readDeadlineMs: number;
  /** Fail the waiting send when the connection closes (true) or let it wait out its timeout (minimega). */
  failFast: boolean;
}

class Pending {
  readonly m: MeshMessage;
  readonly done: (err: MeshError | null) => void;
  /** Encoding shared by the copies of one flood (same bytes on every stream that has the definitions). */
  readonly shared: { bytes: Uint8Array | null } | undefined;
  /** Set when written: the ID its ACK must carry, and when it times out. */
  id = 0n;
  deadline = 0;
  constructor(m: MeshMessage, done: (err: MeshError | null) => void, shared: { bytes: Uint8Array | null } | undefined) {
    this.m = m;
    this.done = done;
    this.shared = shared;
  }
}

export class Link {
  readonly role: LinkRole;
  readonly conn: MeshConn;
  /** The neighbour's name, once its handshake is read. */
  name = "";
  version = "";
  state: "handshake" | "up" | "closed" = "handshake";
  /** Clock time the link came up. */
  upAt = 0;
  closeReason: LinkCloseReason | null = null;
  private readonly o: LinkOptions;
  private readonly hooks: LinkHooks;
  private readonly decoder: GobStreamDecoder;
  private readonly encoder: GobStreamEncoder;
  private readonly handshakeValues: (string | boolean)[] = [];
  private readonly queue: Pending[] = [];
  private outstanding: Pending | null = null;
  // Two lazy timers: each is armed at most once at a time and re-checks its condition when it fires, so a
  // busy link does not create (and cancel) a timer per message.
  private ackTimer: TimerHandle | null = null;
  private readTimer: TimerHandle | null = null;
  private lastReadAt = 0;
  private readLimitMs = 0;
  private readonly messageId: number;

  constructor(role: LinkRole, conn: MeshConn, o: LinkOptions, hooks: LinkHooks) {
    this.role = role;
    this.conn = conn;
    this.o = o;
    this.hooks = hooks;
    this.decoder = new GobStreamDecoder(o.limits);
    this.encoder = new GobStreamEncoder(o.registry);
    this.messageId = o.registry.idOf(MESSAGE_TYPE);
  }

  /** Starts the handshake (the acceptor speaks first) and reading. */
  start(): void {
    this.touchRead(this.o.ackTimeoutMs);
    this.conn.start({ data: (c) => this.onData(c), item: (x) => this.onItem(x), close: (r) => this.shutdown(r) });
    if (this.role === "acceptor" && this.state === "handshake") {
      this.writeValue(STRING, this.o.self);
      this.writeValue(BOOL, this.o.soliciting ?? false);
      this.writeValue(STRING, this.o.version);
    }
  }

  /** Sends queued behind the outstanding one. */
  get queued(): number {
    return this.queue.length + (this.outstanding ? 1 : 0);
  }

  /** Queues `m` (MSA or MESSAGE); `done` runs once, when its ACK arrives or it fails. */
  send(m: MeshMessage, done: (err: MeshError | null) => void, shared?: { bytes: Uint8Array | null }): void {
    if (this.state !== "up") {
      done(new MeshError(this.state === "closed" ? "link-closed" : "no-client", `link to ${this.name || this.conn.remoteAddress} is ${this.state}`));
      return;
    }
    if (this.queue.length >= LINK_QUEUE_LIMIT) {
      done(new MeshError("queue-full", `${LINK_QUEUE_LIMIT} sends already queued to ${this.name}`));
      return;
    }
    this.queue.push(new Pending(m, done, shared));
    if (!this.outstanding) this.pump();
  }

  /** Closes the link (FIN, or RST with `reset`). Pending sends fail (see failFast). */
  close(reason: LinkCloseReason, reset = false): void {
    if (this.state === "closed") return;
    if (reset) this.conn.destroy();
    else this.conn.close();
    this.shutdown(reason);
  }

  private pump(): void {
    while (!this.outstanding && this.queue.length > 0 && this.state === "up") {
      const p = this.queue.shift()!;
      const id = p.m.kind === "msa" || p.m.kind === "message" ? p.m.id : 0n;
      if (!this.writeMessage(p.m, p.shared)) {
        p.done(new MeshError("link-closed", `link to ${this.name} closed`));
        continue;
      }
      p.id = id;
      p.deadline = this.o.clock.now() + this.o.ackTimeoutMs;
      this.outstanding = p;
      if (!this.ackTimer) this.ackTimer = this.o.clock.setTimeout(() => this.onAckTimer(), this.o.ackTimeoutMs);
    }
  }

  private onAckTimer(): void {
    this.ackTimer = null;
    const out = this.outstanding;
    if (!out) return;
    const now = this.o.clock.now();
    if (now < out.deadline) {
      this.ackTimer = this.o.clock.setTimeout(() => this.onAckTimer(), out.deadline - now);
      return;
    }
    this.outstanding = null;
    out.done(new MeshError("timeout", `no ACK from ${this.name} within ${this.o.ackTimeoutMs} ms`));
    this.close("timeout");
  }

  private onAck(id: bigint): void {
    const out = this.outstanding;
    if (!out || out.id !== id) return; // minimega discards ACKs it is not waiting for
    this.outstanding = null;
    out.done(null);
    this.pump();
  }

  private writeValue(t: typeof STRING | typeof BOOL, v: string | boolean): void {
    if (this.conn.writeItem) this.conn.writeItem(v);
    else this.write(this.encoder.encode(t, v));
    this.hooks.count?.("sent", "handshake");
  }

  private writeMessage(m: MeshMessage, shared?: { bytes: Uint8Array | null }): boolean {
    if (this.state === "closed") return false;
    if (this.conn.writeItem) this.conn.writeItem(m);
    else if (shared && this.encoder.hasSent(this.messageId)) this.write((shared.bytes ??= encodeMessage(this.encoder, m)));
    else this.write(encodeMessage(this.encoder, m));
    this.hooks.count?.("sent", m.kind);
    return !this.isClosed();
  }

  private write(bytes: Uint8Array): void {
    this.conn.write(bytes);
    if (this.conn.bufferedAmount > LINK_WRITE_BUFFER_LIMIT) this.close("stalled", true);
  }

  /** Something was read: the link may stay silent for `limitMs` more. */
  private touchRead(limitMs: number): void {
    this.lastReadAt = this.o.clock.now();
    this.readLimitMs = limitMs;
    if (!this.readTimer) this.readTimer = this.o.clock.setTimeout(() => this.onReadTimer(), limitMs);
  }

  private onReadTimer(): void {
    this.readTimer = null;
    if (this.isClosed()) return;
    const due = this.lastReadAt + this.readLimitMs;
    const now = this.o.clock.now();
    if (now < due) {
      this.readTimer = this.o.clock.setTimeout(() => this.onReadTimer(), due - now);
      return;
    }
    this.close(this.state === "handshake" ? "handshake" : "read-deadline");
  }

  private onData(chunk: Uint8Array): void {
    if (this.state === "closed") return;
    try {
      this.decoder.push(chunk);
      while (!this.isClosed()) {
        if (this.state === "handshake") {
          const it = this.decoder.next();
          if (!it) break;
          if (it.kind === "type") continue;
          if (it.type !== STRING && it.type !== BOOL) throw new GobError("type-mismatch", `handshake value of type ${it.type.kind}`, it.offset);
          this.onHandshakeValue(it.value as string | boolean);
          continue;
        }
        const at = this.decoder.offset;
        const it = this.decoder.next(readMessage);
        if (!it) break;
        if (it.kind === "type") continue;
        this.onMessage(it.value, this.decoder.offset - at);
      }
    } catch (err) {
      this.closeWith("decode", err);
    }
  }

  /** Object-carrying connections (simulations): the same steps without the codec. */
  private onItem(x: LinkItem): void {
    if (this.isClosed()) return;
    try {
      if (typeof x === "string" || typeof x === "boolean") {
        if (this.state !== "handshake") throw new GobError("type-mismatch", "handshake value after the handshake");
        this.onHandshakeValue(x);
      } else if (this.state === "handshake") throw new GobError("type-mismatch", "message before the handshake");
      else this.onMessage(x, 0);
    } catch (err) {
      this.closeWith("decode", err);
    }
  }

  private onHandshakeValue(v: string | boolean): void {
    this.hooks.count?.("received", "handshake");
    this.handshakeValues.push(v);
    this.handshakeStep();
  }

  private onMessage(m: MeshMessage, bytes: number): void {
    this.touchRead(this.o.readDeadlineMs);
    this.hooks.count?.("received", m.kind);
    if (m.kind === "ack") {
      this.onAck(m.id);
      return;
    }
    // ACK first (same ID), then hand the message over: minimega's order.
    this.writeMessage({ kind: "ack", id: m.id });
    this.hooks.message(this, m, bytes);
  }

  private closeWith(reason: LinkCloseReason, err: unknown): void {
    if (this.state === "closed") return;
    this.conn.destroy();
    this.shutdown(reason, err);
  }

  private handshakeStep(): void {
    const v = this.handshakeValues;
    const want = this.role === "acceptor" ? ["string", "string"] : ["string", "boolean", "string"];
    const i = v.length - 1;
    if (typeof v[i] !== want[i]) throw new GobError("type-mismatch", `handshake item ${i + 1} should be a ${want[i]}`);
    if (v.length < want.length) return;
    const info: HandshakeInfo =
      this.role === "acceptor" ? { name: v[0] as string, version: v[1] as string } : { name: v[0] as string, solicited: v[1] as boolean, version: v[2] as string };
    this.name = info.name;
    this.version = info.version;
    const refusal = this.hooks.handshake(this, info);
    if (refusal) {
      this.close("refused");
      return;
    }
    if (this.role === "dialer") {
      this.writeValue(STRING, this.o.self);
      this.writeValue(STRING, this.o.version);
    }
    this.state = "up";
    this.upAt = this.o.clock.now();
    this.touchRead(this.o.readDeadlineMs);
    this.hooks.up(this);
  }

  /** (A method, so checks after calls that may close the link are not narrowed away.) */
  isClosed(): boolean {
    return this.state === "closed";
  }

  private shutdown(reason: LinkCloseReason, err?: unknown): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.closeReason = reason;
    if (this.readTimer) this.o.clock.clearTimeout(this.readTimer);
    this.readTimer = null;
    const why = (): MeshError => new MeshError("link-closed", `link to ${this.name || this.conn.remoteAddress} closed (${reason})`, err);
    for (const p of this.queue.splice(0)) p.done(why());
    const out = this.outstanding;
    if (out && this.o.failFast) {
      this.outstanding = null;
      out.done(why());
    }
    // Without failFast the waiting send keeps its timer and fails at its deadline, as in minimega.
    if (!this.outstanding && this.ackTimer) {
      this.o.clock.clearTimeout(this.ackTimer);
      this.ackTimer = null;
    }
    this.hooks.closed(this, reason, err);
  }
}
