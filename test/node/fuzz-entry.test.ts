// fast-check fuzzing of a RUNNING member's UDP and TCP entry points over real loopback sockets: random,
// truncated, oversized and wrong-type input, compression bombs, absurd counts and lengths. The node must
// drop or answer, log at most one line per input, keep working (it still answers a UDP and a TCP ping
// and keeps its peer alive), and keep memory bounded.
//
// Safety: generated messages that could decode as valid carry only loopback addresses (alive, push/pull
// states, indirect-ping targets, ping sources), so the node never sends traffic off this machine.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import dgram from "node:dgram";
import net from "node:net";
import { encode as mpEncode } from "@msgpack/msgpack";
import { startAgent, type Agent } from "../../src/node/agent.ts";
import { createTransport, type NodeTransport } from "../../src/node/transport.ts";
import { encodeMessage, encodePushPull, lzwCompress, makeCompound, openPacket, readStreamMessage, writeStreamRequest } from "../../src/memberlist/codec/index.ts";
import { captureLogger, type LogLine } from "../helpers/capture-logger.ts";
import { waitUntil } from "../helpers/wait.ts";
import { tcpPing as tcpPingMember, udpPing as udpPingMember } from "./member-probes.ts";
import { testPlatform } from "../helpers/platform.ts";


const LOOP = Uint8Array.of(127, 0, 0, 1);
const NAMES = ["fuzz-target", "fuzz-peer"];
let target: Agent;
let peer: Agent;
let client: NodeTransport;
let raw: dgram.Socket;
let targetPort = 0;
const logs: LogLine[] = [];
let seq = 1_000;

beforeAll(async () => {
  // Local profile timers, with a TCP timeout that tolerates a loaded 2-core machine.
  const base = { bind: "127.0.0.1:0", profile: "local", delegateVersions: [0, 0, 0], overrides: { tcpTimeout: 3_000 } } as const;
  target = await startAgent(testPlatform({ logger: captureLogger(logs) }), { ...base, delegateVersions: [0, 0, 0], node: "fuzz-target" });
  targetPort = target.transport.bound().port;
  peer = await startAgent(testPlatform({ logger: captureLogger([]) }), { ...base, delegateVersions: [0, 0, 0], node: "fuzz-peer", join: [`127.0.0.1:${targetPort}`] });
  if (peer.joined?.error) throw new Error(`peer could not join the fuzz target: ${peer.joined.error}`);
  client = await createTransport(testPlatform(), { bind: "127.0.0.1:0" });
  raw = dgram.createSocket("udp4");
  await new Promise<void>((r) => raw.bind(0, "127.0.0.1", () => r()));
});
afterAll(async () => {
  raw?.close();
  await client?.close();
  await peer?.shutdown();
  await target?.shutdown();
});

const sendUdp = (b: Uint8Array) => new Promise<void>((r) => raw.send(b, targetPort, "127.0.0.1", () => r()));
const udpPing = () => udpPingMember(raw, targetPort, "fuzz-target", ++seq);
/**
 * The node has read everything sent so far: it handles datagrams in order, so an answered ping means the
 * ones before it were handled (or dropped by the kernel, which the ping may also be: then ping again).
 */
const drained = () =>
  waitUntil("the node to answer a ping after the burst", () => udpPingMember(raw, targetPort, "fuzz-target", ++seq, 500), { timeout: 15_000 });
const tcpPing = () => tcpPingMember(client, targetPort, "fuzz-target", ++seq);

const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

// ---- generators
const anyName = fc.string({ maxLength: 20 }).filter((s) => !NAMES.includes(s));
const validMessages: Uint8Array[] = [
  encodeMessage({ type: "ping", body: { SeqNo: 7, Node: "fuzz-target", SourceAddr: LOOP, SourcePort: 9, SourceNode: "x" } }),
  encodeMessage({ type: "alive", body: { Incarnation: 5, Node: "ghost", Addr: LOOP, Port: 9, Meta: new Uint8Array(40), Vsn: Uint8Array.of(1, 5, 2, 0, 0, 0) } }),
  encodeMessage({ type: "suspect", body: { Incarnation: 1, Node: "ghost", From: "x" } }),
  encodeMessage({ type: "indirectPing", body: { SeqNo: 9, Target: LOOP, Port: 9, Node: "ghost", Nack: true } }),
  encodeMessage({ type: "ackResp", body: { SeqNo: 1, Payload: new Uint8Array(30) } }),
];
const typeBytes = fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 244, 255);
// Wrong-type fields: every memberlist field name with a JSON value of any type; addresses pinned to loopback.
const fields = fc.dictionary(
  fc.constantFrom("SeqNo", "Node", "Incarnation", "From", "Port", "Meta", "Vsn", "Nack", "Payload", "Algo", "Buf", "Nodes", "UserStateLen", "Join", "UserMsgLen", "Error", "SourcePort", "SourceNode", "Name", "State"),
  fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.uint8Array({ maxLength: 40 }), fc.constant(0xffffffff), fc.constant(-1), fc.double()),
  { maxKeys: 8 },
);
const wrongType = fc.tuple(typeBytes, fields).map(([t, f]) => {
  const obj: Record<string, unknown> = { ...f };
  if ("Node" in obj && typeof obj["Node"] === "string" && NAMES.includes(obj["Node"])) obj["Node"] = "ghost";
  // Anything address-like is loopback only.
  for (const k of ["Addr", "Target", "SourceAddr"]) if (k in obj) obj[k] = LOOP;
  return cat(Uint8Array.of(t), mpEncode(obj));
});
const truncated = fc.tuple(fc.constantFrom(...validMessages), fc.nat()).map(([m, n]) => m.subarray(0, n % m.length));
const absurdCompound = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 64 })).map(([count, tail]) => {
  const hdr = [7, count];
  for (let i = 0; i < count; i++) hdr.push(0xff, 0xff);
  return cat(Uint8Array.from(hdr), tail);
});
const nestedCompress = (depth: number, inner: Uint8Array): Uint8Array => {
  let b = inner;
  for (let i = 0; i < depth; i++) b = cat(Uint8Array.of(9), mpEncode({ Algo: 0, Buf: lzwCompress(b) }));
  return b;
};
// Compression bomb for a datagram: 8 MiB of zeros fits a few KB of LZW.
const UDP_BOMB = cat(Uint8Array.of(9), mpEncode({ Algo: 0, Buf: lzwCompress(new Uint8Array(8 << 20)) }));

const udpInput = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 1500 }) },
  { weight: 3, arbitrary: fc.tuple(typeBytes, fc.uint8Array({ maxLength: 600 })).map(([t, r]) => cat(Uint8Array.of(t), r)) },
  { weight: 3, arbitrary: wrongType },
  { weight: 2, arbitrary: truncated },
  { weight: 1, arbitrary: absurdCompound },
  { weight: 1, arbitrary: fc.constant(UDP_BOMB) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 8 }).map((d) => nestedCompress(d, validMessages[2]!)) },
  { weight: 1, arbitrary: fc.constantFrom(60_000, 65_000).map((n) => cat(Uint8Array.of(8), new Uint8Array(n))) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 60 }).map((r) => cat(Uint8Array.of(12, 0, 0, 0, 0), r)) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 40 })).map(([n, r]) => cat(Uint8Array.of(244, n), r)) },
);

describe("UDP entry point under fuzzing", () => {
  it("answers a ping before fuzzing (baseline)", async () => {
    expect(await udpPing()).toBe(true);
  });

  it("drops malformed datagrams with at most one log line each and keeps working", async () => {
    const before = process.memoryUsage().heapUsed;
    const logBefore = logs.filter((l) => l.level === "warn" || l.level === "error").length;
    const errBefore = target.memberlist.stats().packetErrors;
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(udpInput, async (buf) => {
        await sendUdp(buf);
        sent++;
        if (sent % 50 === 0) await drained(); // do not overrun the socket's receive buffer
      }),
      { numRuns: 400 },
    );
    await drained();
    const warnLines = logs.filter((l) => l.level === "warn" || l.level === "error").length - logBefore;
    const dropped = target.memberlist.stats().packetErrors - errBefore;
    expect(dropped).toBeGreaterThan(sent / 4); // most inputs are malformed, and were counted
    expect(warnLines).toBeLessThanOrEqual(sent); // one line per input at most
    expect(logs.some((l) => l.msg === "dropping malformed packet")).toBe(true);
    expect(await udpPing()).toBe(true);
    expect(await tcpPing()).toBe(true);
    expect(peer.memberlist.members().find((m) => m.name === "fuzz-target")?.state).toBe("alive");
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(128 * 1024 * 1024);
  }, 60_000);
});

// ---- TCP
const STREAM_BOMB = cat(Uint8Array.of(9), mpEncode({ Algo: 0, Buf: lzwCompress(new Uint8Array(64 << 20)) })); // > the 16 MiB stream message cap
const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
const tcpInput = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 4096 }) },
  { weight: 3, arbitrary: fc.tuple(typeBytes, fc.uint8Array({ maxLength: 600 })).map(([t, r]) => cat(Uint8Array.of(t), r)) },
  { weight: 3, arbitrary: wrongType },
  { weight: 2, arbitrary: truncated },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom(0x7fffffff, 0xffffffff, 1_048_577, 5), fc.constantFrom(0xffffffff, 20 * 1024 * 1024 + 1, 3)).map(([nodes, usl]) =>
      cat(Uint8Array.of(6), mpEncode({ Join: false, Nodes: nodes, UserStateLen: usl }), new Uint8Array(16)),
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom(0xffffffff, 20 * 1024 * 1024 + 1, 0, 10).map((l) => cat(Uint8Array.of(10), u32(l), new Uint8Array(30))) },
  { weight: 1, arbitrary: fc.constantFrom(0xffffffff, 21 * 1024 * 1024).map((l) => cat(Uint8Array.of(8), mpEncode({ UserMsgLen: l }), new Uint8Array(8))) },
  { weight: 1, arbitrary: fc.constant(STREAM_BOMB) },
  {
    weight: 1,
    arbitrary: fc.array(anyName, { maxLength: 3 }).map((names) =>
      encodePushPull({
        header: { Join: false, Nodes: names.length, UserStateLen: 0 },
        states: names.map((n) => ({ Name: n, Addr: LOOP, Port: 9, Meta: null, Incarnation: 1, State: 2, Vsn: Uint8Array.of(1, 5, 2, 0, 0, 0) })),
        userState: new Uint8Array(0),
      }),
    ),
  },
);

/** Writes one input on a fresh connection, half-closes, and waits for the node to close (bounded). */
function tcpSend(buf: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(targetPort, "127.0.0.1");
    const done = () => {
      clearTimeout(t);
      s.destroy();
      resolve();
    };
    const t = setTimeout(done, 3_000);
    s.on("error", done);
    s.on("close", done);
    s.on("data", () => {});
    s.on("connect", () => s.end(buf));
  });
}

describe("TCP entry point under fuzzing", () => {
  it("closes or answers malformed streams, logs at most one line each, and keeps working", async () => {
    const before = process.memoryUsage().heapUsed;
    const logBefore = logs.filter((l) => l.level === "warn" || l.level === "error").length;
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(tcpInput, async (buf) => {
        await tcpSend(buf);
        sent++;
      }),
      { numRuns: 80 },
    );
    // Every fuzz connection has been handled and closed by the node (closing releases its budget charge).
    await waitUntil("the node to release every fuzz stream", () => target.transport.streamBudget().used === 0);
    const warnLines = logs.filter((l) => l.level === "warn" || l.level === "error").length - logBefore;
    expect(warnLines).toBeGreaterThan(0);
    expect(warnLines).toBeLessThanOrEqual(sent);
    expect(await tcpPing()).toBe(true);
    expect(await udpPing()).toBe(true);
    expect(peer.memberlist.members().find((m) => m.name === "fuzz-target")?.state).toBe("alive");
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(128 * 1024 * 1024);
  }, 90_000);

  it("closes stalled streams (no half-close, partial message) after its TCP timeout", async () => {
    const tcpTimeout = target.memberlist.config.tcpTimeout;
    const partials = [Uint8Array.of(6, 0x83), Uint8Array.of(0), Uint8Array.of(10, 0, 0, 1), Uint8Array.of(244, 5, 0x61)];
    const closedAt = await Promise.all(
      partials.map(
        (p) =>
          new Promise<number>((resolve) => {
            const start = Date.now();
            const s = net.connect(targetPort, "127.0.0.1", () => s.write(p));
            s.on("data", () => {});
            s.on("error", () => {});
            s.on("close", () => resolve(Date.now() - start));
            setTimeout(() => {
              s.destroy();
              resolve(Number.POSITIVE_INFINITY);
            }, tcpTimeout + 8_000);
          }),
      ),
    );
    // Every stalled stream was closed by the node (not by our fallback timer).
    for (const ms of closedAt) expect(ms).not.toBe(Number.POSITIVE_INFINITY);
    expect(await tcpPing()).toBe(true);
  }, 30_000);
});

describe("label and packet layering", () => {
  it("a compound of valid messages still works after the storm (the node dispatches each part)", async () => {
    const s = ++seq;
    const ok = await new Promise<boolean>((resolve) => {
      const onMsg = (m: Buffer) => {
        const o = openPacket(new Uint8Array(m), {});
        if (!(o instanceof Promise) && o.messages.some((x) => x.type === "ackResp" && x.body.SeqNo === s)) {
          raw.off("message", onMsg);
          resolve(true);
        }
      };
      raw.on("message", onMsg);
      setTimeout(() => resolve(false), 3_000);
      void sendUdp(makeCompound([validMessages[2]!, encodeMessage({ type: "ping", body: { SeqNo: s, Node: "fuzz-target" } })]));
    });
    expect(ok).toBe(true);
  }, 10_000);
});
