// The process-wide inbound stream budget (src/node/stream-budget.ts) on a RUNNING member over real
// loopback sockets: many concurrent large and slow push/pull streams must keep the bytes held by
// in-flight reads within the budget (plus each stream's free bytes), be counted and logged once per
// episode, give every byte back when the streams close, and leave the node answering UDP and TCP pings.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import dgram from "node:dgram";
import net from "node:net";
import { startAgent, type Agent } from "../../src/node/agent.ts";
import { createTransport, type NodeTransport } from "../../src/node/transport.ts";
import { FREE_BYTES_PER_STREAM, StreamBudget } from "../../src/node/stream-budget.ts";
import { SocketStreamConn } from "../../src/node/stream-conn.ts";
import { encodePushPullHeader, readStreamMessage } from "../../src/memberlist/codec/index.ts";
import { captureLogger, type LogLine } from "../helpers/capture-logger.ts";
import { waitUntil } from "../helpers/wait.ts";
import { tcpPing as tcpPingMember, udpPing as udpPingMember } from "./member-probes.ts";
import { testPlatform } from "../helpers/platform.ts";


const BUDGET = 2 * 1024 * 1024;
const PROMISED = 1024 * 1024; // each stream promises 1 MiB of push/pull user state
const LARGE = 16;
const SLOW = 16;
const BUDGET_MSG = "inbound stream budget exhausted: closing streams that need more until it frees";

const budget = new StreamBudget(BUDGET);
const logs: LogLine[] = [];
let target: Agent;
let client: NodeTransport;
let raw: dgram.Socket;
let port = 0;
let seq = 5_000;

beforeAll(async () => {
  target = await startAgent(testPlatform({ logger: captureLogger(logs) }), {
    node: "budget-target",
    bind: "127.0.0.1:0",
    profile: "local",
    delegateVersions: [0, 0, 0],
    overrides: { tcpTimeout: 8_000 },
    streamBudget: budget,
    streams: { perSource: 256 }, // every stream here comes from 127.0.0.1; the per-source cap is tested in test/abuse
  });
  port = target.transport.bound().port;
  client = await createTransport(testPlatform(), { bind: "127.0.0.1:0" });
  raw = dgram.createSocket("udp4");
  await new Promise<void>((r) => raw.bind(0, "127.0.0.1", () => r()));
});
afterAll(async () => {
  raw?.close();
  await client?.close();
  await target?.shutdown();
});

const udpPing = () => udpPingMember(raw, port, "budget-target", ++seq);
const tcpPing = () => tcpPingMember(client, port, "budget-target", ++seq);

/** 06 + push/pull header (0 nodes, PROMISED bytes of user state): the node must buffer what follows. */
const HEADER = new Uint8Array([6, ...encodePushPullHeader({ Join: false, Nodes: 0, UserStateLen: PROMISED })]);

/** Opens a stream, writes the header, then `pump` writes the body; resolves when the socket closes. */
function stream(pump: (s: net.Socket) => void, stopAfterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    const stop = setTimeout(() => s.destroy(), stopAfterMs);
    s.on("error", () => {});
    s.on("data", () => {});
    s.on("close", () => {
      clearTimeout(stop);
      resolve();
    });
    s.on("connect", () => {
      s.write(HEADER);
      pump(s);
    });
  });
}

/** Large: the whole promised body at once (the kernel and the transport take it as fast as they can). */
const large = () => stream((s) => s.write(new Uint8Array(PROMISED).fill(0x61)), 6_000);

/** Slow: 4 KiB every 20 ms until the server closes the stream or the test stops it. */
const slow = () =>
  stream((s) => {
    let sent = 0;
    const t = setInterval(() => {
      if (s.destroyed || sent >= PROMISED) return clearInterval(t);
      s.write(new Uint8Array(4096).fill(0x62));
      sent += 4096;
    }, 20);
    s.once("close", () => clearInterval(t));
  }, 4_000);

describe("inbound stream budget on a running member", () => {
  it("keeps in-flight stream bytes within the budget under concurrent large and slow streams, and the node still answers pings", async () => {
    const offered = (LARGE + SLOW) * (HEADER.length + PROMISED);
    expect(offered).toBeGreaterThan(8 * BUDGET); // the load is well over the budget

    const streams = [...Array.from({ length: SLOW }, slow), ...Array.from({ length: LARGE }, large)];
    // While the streams are in flight (they run for seconds), the node keeps answering.
    await waitUntil("the streams to charge the budget", () => budget.used > 0);
    const during = { used: budget.used, udp: await udpPing(), tcp: await tcpPing() };
    await Promise.all(streams);

    const st = target.transport.streamBudget();
    // Within the budget, plus at most FREE_BYTES_PER_STREAM for each connection that was open.
    expect(st.limit).toBe(BUDGET);
    expect(st.peak).toBeGreaterThan(0);
    expect(st.peak).toBeLessThanOrEqual(BUDGET + (LARGE + SLOW + 1) * FREE_BYTES_PER_STREAM);
    expect(st.rejected).toBeGreaterThan(0);
    expect(during.used).toBeLessThanOrEqual(BUDGET + (LARGE + SLOW + 1) * FREE_BYTES_PER_STREAM);
    expect(during.udp).toBe(true);
    expect(during.tcp).toBe(true);

    // Counted and logged: one line per exhaustion episode, not one per refused stream.
    const lines = logs.filter((l) => l.msg === BUDGET_MSG);
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(st.rejected);

    // Every charged byte comes back once the connections are gone (the server side closes last).
    await waitUntil("every charged byte to be released", () => budget.used === 0, { interval: 50 });
    expect(await udpPing()).toBe(true);
    expect(await tcpPing()).toBe(true);
  }, 30_000);

  it("lets a stream that fits the budget through: a complete push/pull is answered", async () => {
    const conn = await client.dialStream(`127.0.0.1:${port}`, 2_000);
    try {
      conn.setDeadline(performance.now() + 5_000);
      const body = new Uint8Array(HEADER.length + PROMISED);
      body.set(HEADER);
      await conn.write(body);
      const reply = await readStreamMessage(conn, { role: "dial" });
      expect(reply.type).toBe("pushPull");
    } finally {
      conn.close();
    }
    await waitUntil("every charged byte to be released", () => budget.used === 0, { interval: 50 });
  }, 15_000);
});

describe("StreamBudget accounting", () => {
  it("admits free bytes per stream even when spent, refuses past the limit, and reports one refusal per episode", () => {
    const b = new StreamBudget(10_000);
    expect(b.take(0, 9_000)).toBe(true);
    expect(b.take(9_000, 2_000)).toBe(false); // past its free bytes and over the limit
    expect(b.take(0, 2_000)).toBe(true); // a new stream's first bytes are always admitted
    expect(b.used).toBe(11_000);
    expect(b.take(2_000, FREE_BYTES_PER_STREAM)).toBe(false);
    expect(b.firstRefusal()).toBe(true);
    expect(b.firstRefusal()).toBe(false);
    b.release(9_000);
    expect(b.used).toBe(2_000);
    expect(b.firstRefusal()).toBe(true); // usage fell to half the limit: a new episode
    b.release(2_000);
    expect(b.stats()).toEqual({ limit: 10_000, used: 0, peak: 11_000, rejected: 2 });
    expect(() => new StreamBudget(-1)).toThrow(RangeError);
  });
});

describe("SocketStreamConn charges after the peer closed", () => {
  it("a dialer that closes right after writing (Go's sendUserMsg): its message still decodes and is charged until our close()", async () => {
    const b = new StreamBudget(1_000_000);
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const accepted = new Promise<net.Socket>((r) => server.once("connection", r));
    const dialer = net.connect({ port: (server.address() as net.AddressInfo).port, host: "127.0.0.1" });
    dialer.on("connect", () => dialer.end(Buffer.alloc(100, 1)));
    const sock = await accepted;
    let closed = false;
    const conn = new SocketStreamConn(sock, "dialer", testPlatform().clock, { budget: b, onClose: () => (closed = true) });
    await waitUntil("the dialer's close to arrive", () => closed);
    expect(b.used).toBe(0); // received bytes are released with the socket
    const got = await conn.read();
    expect(got?.length).toBe(100); // what was queued is still read
    expect(conn.charge(50_000)).toBe(true); // decrypted / inflated output of that message
    expect(b.used).toBe(50_000);
    conn.close();
    expect(b.used).toBe(0);
    expect(conn.charge(1)).toBe(false); // nobody decodes after close()
    server.close();
  });
});
