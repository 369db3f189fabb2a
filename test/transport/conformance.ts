// Transport conformance suite: the contract of src/transport/transport.ts, run against every
// implementation (test/transport/memory.test.ts: the in-memory network; test/node/transport.test.ts: the
// Node UDP/TCP transport; the HTTP/2 transport joins the same way). PORTABLE: vitest and the transport
// seam only. The suite is a function of a harness factory: each implementation says how to make
// transports that can reach each other, what clock their deadlines use, and an address nobody serves.
import { afterEach, describe, expect, it, vi } from "vitest";
import { formatHostPort, parseHostPort } from "../../src/net/index.ts";
import { TransportClosedError, TransportError, TransportTimeoutError, type Packet, type StreamConn, type Transport } from "../../src/transport/index.ts";

export interface TransportHarness {
  /** A new transport that every other transport of this harness can reach. */
  create(): Promise<Transport>;
  /** The clock the transports' stream deadlines are in (StreamConn.setDeadline). */
  now(): number;
  /** An address no transport serves (dials are refused or time out; packets vanish). */
  deadAddress(): Promise<string>;
}

const WAIT = { timeout: 5_000, interval: 5 };

const addressOf = (t: Transport): string => {
  const a = t.advertise();
  return formatHostPort(a.host, a.port);
};

function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/** Reads until `n` bytes arrived (boundaries are not preserved) or EOF. */
async function readN(s: StreamConn, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const c = await s.read();
    if (c === null) break;
    out.set(c.subarray(0, n - got), got);
    got += c.length;
  }
  return out.subarray(0, got);
}

/** Resolves with the next stream the transport accepts. */
function nextStream(t: Transport): Promise<StreamConn> {
  return new Promise((resolve) => t.onStream(resolve));
}

export function transportConformance(name: string, makeHarness: () => TransportHarness): void {
  describe(`transport conformance: ${name}`, () => {
    const open: Transport[] = [];
    const h = makeHarness();
    const create = async (): Promise<Transport> => {
      const t = await h.create();
      open.push(t);
      return t;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((t) => t.close()));
    });

    it("advertises a host:port the others reach", async () => {
      const a = await create();
      const { host, port } = a.advertise();
      expect(host.length).toBeGreaterThan(0);
      expect(Number.isInteger(port) && port > 0 && port <= 65535).toBe(true);
      expect(parseHostPort(addressOf(a))).toEqual({ host, port });
    });

    it("delivers packets with the sender's advertised address, the bytes, and a receive time", async () => {
      const a = await create();
      const b = await create();
      const got: Packet[] = [];
      b.onPacket((p) => got.push(p));
      const sent = [bytes(1, 1), bytes(64, 2), bytes(1400, 3)];
      const before = h.now();
      for (const s of sent) a.sendPacket(addressOf(b), s);
      await vi.waitFor(() => expect(got).toHaveLength(sent.length), WAIT);
      for (const p of got) {
        expect(p.from).toBe(addressOf(a));
        expect(p.timestamp).toBeGreaterThanOrEqual(before - 1);
        expect(p.timestamp).toBeLessThanOrEqual(h.now() + 1);
      }
      // Datagrams may be reordered; none is altered.
      const hex = (x: Uint8Array) => Array.from(x, (v) => v.toString(16).padStart(2, "0")).join("");
      expect(got.map((p) => hex(p.buf)).sort()).toEqual(sent.map(hex).sort());
    });

    it("the receiver's buffer is its own (changing it leaves the sender's bytes alone)", async () => {
      const a = await create();
      const b = await create();
      const got: Packet[] = [];
      b.onPacket((p) => got.push(p));
      const buf = bytes(32, 9);
      a.sendPacket(addressOf(b), buf);
      await vi.waitFor(() => expect(got).toHaveLength(1), WAIT);
      got[0]!.buf.fill(0);
      expect(buf).toEqual(bytes(32, 9));
    });

    it("sendPacket never throws: unreachable and malformed destinations are dropped", async () => {
      const a = await create();
      const dead = await h.deadAddress();
      expect(() => a.sendPacket(dead, bytes(10, 1))).not.toThrow();
      expect(() => a.sendPacket("not an address", bytes(10, 1))).not.toThrow();
    });

    it("streams carry a request and a reply, in order, with EOF after close", async () => {
      const a = await create();
      const b = await create();
      const accepted = nextStream(b);
      const s = await a.dialStream(addressOf(b), 5_000);
      const r = await accepted;
      expect(() => parseHostPort(r.remote)).not.toThrow();
      expect(s.remote).toBe(addressOf(b));
      await s.write(bytes(10, 1));
      await s.write(bytes(20, 2));
      const req = await readN(r, 30);
      expect(req).toEqual(new Uint8Array([...bytes(10, 1), ...bytes(20, 2)]));
      await r.write(bytes(5, 3));
      r.close();
      expect(await readN(s, 5)).toEqual(bytes(5, 3));
      expect(await s.read()).toBeNull();
      s.close();
    });

    it("streams do not preserve message boundaries but lose nothing (256 KiB)", async () => {
      const a = await create();
      const b = await create();
      const accepted = nextStream(b);
      const s = await a.dialStream(addressOf(b), 5_000);
      const r = await accepted;
      const big = bytes(256 * 1024, 7);
      await s.write(big);
      s.close();
      expect(await readN(r, big.length)).toEqual(big);
      expect(await r.read()).toBeNull();
      r.close();
    });

    it("a read past the stream deadline rejects with transport.timeout", async () => {
      const a = await create();
      const b = await create();
      const accepted = nextStream(b);
      const s = await a.dialStream(addressOf(b), 5_000);
      const r = await accepted;
      s.setDeadline(h.now() + 50);
      const err = await s.read().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TransportTimeoutError);
      expect((err as TransportError).code).toBe("transport.timeout");
      s.close();
      r.close();
    });

    it("writing to a closed stream rejects with transport.closed", async () => {
      const a = await create();
      const b = await create();
      const accepted = nextStream(b);
      const s = await a.dialStream(addressOf(b), 5_000);
      (await accepted).close();
      s.close();
      await expect(s.write(bytes(4, 1))).rejects.toBeInstanceOf(TransportClosedError);
    });

    it("dialing an address nobody serves rejects with a transport error", async () => {
      const a = await create();
      const err = await a.dialStream(await h.deadAddress(), 500).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TransportError);
      expect(["transport.net", "transport.timeout"]).toContain((err as TransportError).code);
    });

    it("after close: no more packets or streams, and dialing out rejects", async () => {
      const a = await create();
      const b = await create();
      const got: Packet[] = [];
      b.onPacket((p) => got.push(p));
      const addr = addressOf(b);
      await b.close();
      a.sendPacket(addr, bytes(8, 1));
      await expect(a.dialStream(addr, 500)).rejects.toBeInstanceOf(TransportError);
      await expect(b.dialStream(addressOf(a), 500)).rejects.toBeInstanceOf(TransportClosedError);
      expect(() => b.sendPacket(addressOf(a), bytes(4, 1))).not.toThrow();
      expect(got).toEqual([]);
    });
  });
}
