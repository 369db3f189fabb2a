// Behaviour every memberlist Transport must have, as a reusable suite taking a factory (to move under
// arch's test/transport/conformance.ts when that lands). Run here against the HTTP/2 gossiphttp
// transport and, as a check of the suite itself, the UDP/TCP transport.
import { expect, it } from "vitest";
import type { Packet, StreamConn, Transport } from "../../src/transport/transport.ts";

export interface ContractPair {
  a: Transport;
  b: Transport;
  /** An address where nothing listens. */
  dead: string;
  close(): Promise<void>;
}

const addr = (t: Transport) => {
  const { host, port } = t.advertise();
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
};

async function until<T>(what: string, f: () => T | undefined, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function readAll(s: StreamConn, n: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let got = 0;
  while (got < n) {
    const c = await s.read();
    if (c === null) break;
    parts.push(c);
    got += c.length;
  }
  return Buffer.concat(parts);
}

export function transportContract(name: string, make: () => Promise<ContractPair>): void {
  it(`${name}: packets arrive intact with the sender's address and a timestamp`, async () => {
    const p = await make();
    try {
      const got: Packet[] = [];
      p.b.onPacket((x) => got.push(x));
      const sizes = [0, 1, 64, 1400, 9000];
      for (const n of sizes) p.a.sendPacket(addr(p.b), Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) & 255));
      await until("packets", () => (got.length === sizes.length ? true : undefined));
      expect(got.map((x) => x.buf.length).sort((x, y) => x - y)).toEqual(sizes);
      for (const x of got) {
        expect(x.buf).toEqual(Uint8Array.from({ length: x.buf.length }, (_, i) => (i * 7 + x.buf.length) & 255));
        expect(x.from).toBe(addr(p.a));
        expect(typeof x.timestamp).toBe("number");
      }
    } finally {
      await p.close();
    }
  });

  it(`${name}: the receiver's buffer is its own; malformed destinations are dropped without throwing`, async () => {
    const p = await make();
    try {
      const got: Packet[] = [];
      p.b.onPacket((x) => got.push(x));
      const buf = Uint8Array.from({ length: 32 }, (_, i) => i);
      p.a.sendPacket(addr(p.b), buf);
      expect(() => p.a.sendPacket("not an address", buf)).not.toThrow();
      await until("packet", () => (got.length === 1 ? true : undefined));
      got[0]!.buf.fill(0);
      expect(buf).toEqual(Uint8Array.from({ length: 32 }, (_, i) => i));
    } finally {
      await p.close();
    }
  });

  it(`${name}: writing to a closed stream rejects with transport.closed; remotes are addresses`, async () => {
    const p = await make();
    try {
      let accepted: StreamConn | undefined;
      p.b.onStream((s) => (accepted = s));
      const c = await p.a.dialStream(addr(p.b), 2_000);
      expect(c.remote).toBe(addr(p.b));
      await c.write(Uint8Array.of(1));
      const s = await until("accepted stream", () => accepted);
      expect(s.remote).toMatch(/^(\d+\.\d+\.\d+\.\d+|\[[0-9a-f:]+\]):\d+$/);
      s.close();
      c.close();
      await expect(c.write(Uint8Array.of(2))).rejects.toMatchObject({ code: "transport.closed" });
    } finally {
      await p.close();
    }
  });

  it(`${name}: streams carry bytes both ways in order and end with null`, async () => {
    const p = await make();
    try {
      let accepted: StreamConn | undefined;
      p.b.onStream((s) => (accepted = s));
      const c = await p.a.dialStream(addr(p.b), 2_000);
      const big = Uint8Array.from({ length: 200_000 }, (_, i) => i % 251);
      await c.write(Uint8Array.of(1, 2, 3));
      await c.write(big);
      const s = await until("accepted stream", () => accepted);
      const got = await readAll(s, 3 + big.length);
      expect(got.length).toBe(3 + big.length);
      expect([...got.subarray(0, 3)]).toEqual([1, 2, 3]);
      expect(Buffer.compare(got.subarray(3), big)).toBe(0);
      await s.write(Uint8Array.of(9, 8, 7));
      expect([...(await readAll(c, 3))]).toEqual([9, 8, 7]);
      s.close();
      expect(await c.read()).toBeNull();
      c.close();
    } finally {
      await p.close();
    }
  });

  it(`${name}: a read past its deadline rejects with transport.timeout`, async () => {
    const p = await make();
    try {
      p.b.onStream(() => {});
      const c = await p.a.dialStream(addr(p.b), 2_000);
      c.setDeadline(performance.now() + 50);
      await expect(c.read()).rejects.toMatchObject({ code: "transport.timeout" });
      c.close();
    } finally {
      await p.close();
    }
  });

  it(`${name}: dialing a dead address fails; sending to one does not throw`, async () => {
    const p = await make();
    try {
      await expect(p.a.dialStream(p.dead, 1_000)).rejects.toMatchObject({ code: expect.stringMatching(/^transport\.(net|timeout)$/) });
      expect(() => p.a.sendPacket(p.dead, Uint8Array.of(1))).not.toThrow();
    } finally {
      await p.close();
    }
  });

  it(`${name}: after close, sends are ignored and dials fail`, async () => {
    const p = await make();
    const b = addr(p.b);
    await p.a.close();
    expect(() => p.a.sendPacket(b, Uint8Array.of(1))).not.toThrow();
    await expect(p.a.dialStream(b, 500)).rejects.toMatchObject({ code: "transport.closed" });
    await p.close();
  });
}
