// A scripted, Go-free meshage peer for tests: it plays one side of a captured minimega stream (its
// handshake, type definitions, MSAs and MESSAGEs, byte for byte as captured) against a real node over
// TCP, ACKs whatever the node sends (in the captured ACK layout), and records every byte the node sends
// so a test can hold them against the other side of the same capture.
import net from "node:net";
import type { AddressInfo } from "node:net";
import { GobStreamDecoder, type GobItem, type GobValue } from "../../src/mesh/gob/index.ts";
import { readMessage, type MeshMessage } from "../../src/mesh/index.ts";

export interface ScriptItem {
  kind: "handshake" | "type" | "ack" | "msa" | "message" | "other";
  raw: Uint8Array;
  id?: bigint;
  message?: MeshMessage;
  value?: GobValue;
}

/** Splits a captured stream into its top-level items (raw bytes kept) and classifies them. */
export function scriptOf(stream: Uint8Array, role: "acceptor" | "dialer"): ScriptItem[] {
  const handshake = role === "acceptor" ? 3 : 2;
  const dec = new GobStreamDecoder();
  dec.push(stream);
  const items: ScriptItem[] = [];
  const offsets: number[] = [];
  let hs = 0;
  for (;;) {
    const at = dec.offset;
    const it: GobItem<GobValue | MeshMessage> | null = hs < handshake ? dec.next() : dec.next(readMessage);
    if (!it) break;
    offsets.push(at);
    if (it.kind === "type") items.push({ kind: "type", raw: new Uint8Array() });
    else if (hs < handshake) {
      hs++;
      items.push({ kind: "handshake", raw: new Uint8Array(), value: it.value as GobValue });
    } else {
      const m = it.value as MeshMessage;
      items.push({ kind: m.kind, raw: new Uint8Array(), id: m.id, message: m });
    }
  }
  offsets.push(stream.length);
  items.forEach((it, i) => (it.raw = stream.subarray(offsets[i]!, offsets[i + 1]!)));
  return items;
}

/** ACK bytes in the layout every capture shows: `03 ff 82 00` for ID 0, `05 ff 82 05 <id> 00` below 128. */
export function ackUnit(id: bigint): Uint8Array {
  if (id === 0n) return Uint8Array.of(0x03, 0xff, 0x82, 0x00);
  if (id < 128n) return Uint8Array.of(0x05, 0xff, 0x82, 0x05, Number(id), 0x00);
  throw new Error("replay peer ACKs IDs below 128 only");
}

export class ReplayPeer {
  /** Everything the node sent, in order. */
  readonly received: number[] = [];
  /** Items the node sent, decoded. */
  readonly items: { kind: ScriptItem["kind"]; raw: Uint8Array; message?: MeshMessage; value?: GobValue }[] = [];
  private readonly script: ScriptItem[];
  private readonly role: "acceptor" | "dialer";
  private readonly gapMs: number;
  private socket: net.Socket | null = null;
  private server: net.Server | null = null;
  private readonly decoder = new GobStreamDecoder();
  private theirHandshake = 0;
  private started = false;
  closed = false;

  constructor(script: ScriptItem[], role: "acceptor" | "dialer", gapMs = 30) {
    this.script = script;
    this.role = role;
    this.gapMs = gapMs;
  }

  /** Acceptor role: listen on an ephemeral loopback port for the node to dial. */
  async listen(): Promise<number> {
    this.server = net.createServer((s) => {
      if (this.socket) return s.destroy();
      this.attach(s);
      this.sendHandshake();
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", () => r()));
    return (this.server.address() as AddressInfo).port;
  }

  /** Dialer role: connect to the node. */
  async connect(port: number): Promise<void> {
    const s = net.connect({ host: "127.0.0.1", port });
    await new Promise<void>((resolve, reject) => {
      s.once("connect", () => resolve());
      s.once("error", reject);
    });
    this.attach(s);
  }

  private attach(s: net.Socket): void {
    this.socket = s;
    s.setNoDelay(true);
    s.on("data", (b: Buffer) => this.onData(b));
    s.on("close", () => (this.closed = true));
    s.on("error", () => {});
  }

  private write(b: Uint8Array): void {
    this.socket?.write(b);
  }

  private sendHandshake(): void {
    for (const it of this.script) if (it.kind === "handshake") this.write(it.raw);
  }

  /** After both handshakes: the peer's type definitions at once, then its MSAs and MESSAGEs spaced out. */
  private play(): void {
    if (this.started) return;
    this.started = true;
    for (const it of this.script) if (it.kind === "type") this.write(it.raw);
    const rest = this.script.filter((it) => it.kind === "msa" || it.kind === "message");
    rest.forEach((it, i) => setTimeout(() => this.write(it.raw), this.gapMs * (i + 1)));
  }

  private onData(b: Buffer): void {
    for (const x of b) this.received.push(x);
    this.decoder.push(b);
    const theirs = this.role === "acceptor" ? 2 : 3;
    for (;;) {
      const at = this.decoder.offset;
      const it = this.theirHandshake < theirs ? this.decoder.next() : this.decoder.next(readMessage);
      if (!it) break;
      const raw = Uint8Array.from(this.received.slice(at, this.decoder.offset));
      if (it.kind === "type") {
        this.items.push({ kind: "type", raw });
        continue;
      }
      if (this.theirHandshake < theirs) {
        this.theirHandshake++;
        this.items.push({ kind: "handshake", raw, value: it.value as GobValue });
        if (this.theirHandshake === theirs) {
          if (this.role === "dialer") this.sendHandshake();
          this.play();
        }
        continue;
      }
      const m = it.value as MeshMessage;
      this.items.push({ kind: m.kind, raw, message: m });
      if (m.kind !== "ack") this.write(ackUnit(m.id));
    }
  }

  /** Items of one kind the node sent. */
  sent(kind: ScriptItem["kind"]): { raw: Uint8Array; message?: MeshMessage; value?: GobValue }[] {
    return this.items.filter((i) => i.kind === kind);
  }

  async close(): Promise<void> {
    this.socket?.destroy();
    const srv = this.server;
    if (srv) await new Promise<void>((r) => srv.close(() => r()));
  }
}
