// ckit nodes over the real HTTP/2 transport on loopback: a 3-node cluster (h2c) converging on peer
// states, user messages over /message and /stream, failure detection of a crashed member; a TLS cluster
// with mutual authentication refusing an untrusted peer; and the handler mounted on an application's
// own node:http2 server (compat 'request' API) next to the application's routes.
import http2 from "node:http2";
import https from "node:https";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { CkitNode, type Peer } from "../../src/ckit/index.ts";
import { createCkitTransport, type CkitTransportOptions } from "../../src/node/ckit-transport.ts";
import { testNodePlatform } from "../helpers/node-platform.ts";

const fx = (f: string) => readFileSync(new URL(`../fixtures/ckit-tls/${f}`, import.meta.url));
const TLS = { cert: fx("node.crt"), key: fx("node.key"), ca: fx("ca.crt") };
const FAST = { probeInterval: 200, probeTimeout: 100, gossipInterval: 50, pushPullInterval: 2_000, suspicionMult: 2 };

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s().catch(() => {});
});

async function node(name: string, t: Partial<CkitTransportOptions> = {}, msgs?: string[]) {
  const platform = testNodePlatform();
  const transport = await createCkitTransport(platform, { listen: "127.0.0.1:0", ...t });
  const n = await CkitNode.create(platform, { name, transport, label: "", overrides: FAST, leaveTimeoutMs: 500 });
  if (msgs) {
    const d = n.memberlist.config.delegate!;
    const orig = d.notifyMsg!.bind(d);
    d.notifyMsg = (b) => (b[0] === 0x12 ? orig(b) : void msgs.push(new TextDecoder().decode(b)));
  }
  stops.push(() => n.stop());
  return { n, transport, addr: `127.0.0.1:${transport.bound()!.port}`, platform };
}

const states = (ps: readonly Peer[]) => ps.map((p) => `${p.name}=${p.state}`).join(",");

describe("ckit nodes over HTTP/2", () => {
  it("h2c: join, converge on states, user messages both paths, detect a crashed member", async () => {
    const inbox: string[] = [];
    const a = await node("a", {}, inbox);
    const b = await node("b");
    const c = await node("c");
    expect(await b.n.start([a.addr])).toBe(1);
    expect(await c.n.start([b.addr])).toBe(1);
    await Promise.all([a.n.changeState(1), b.n.changeState(1)]);
    await expect.poll(() => [a, b, c].map((x) => states(x.n.peers())), { timeout: 10_000 }).toEqual(Array(3).fill("a=1,b=1,c=0"));
    expect(a.n.peers().find((p) => p.name === "b")!.addr).toBe(b.addr);
    b.n.memberlist.sendBestEffort("a", new TextEncoder().encode("over /message"));
    await c.n.memberlist.sendReliable("a", new TextEncoder().encode("over /stream"));
    await expect.poll(() => [...inbox].sort(), { timeout: 5_000 }).toEqual(["over /message", "over /stream"]);
    // Crash c (no leave): the others declare it dead and drop it from their peers.
    await c.n.memberlist.shutdown();
    await expect.poll(() => [a, b].map((x) => states(x.n.peers())), { timeout: 15_000 }).toEqual(["a=1,b=1", "a=1,b=1"]);
    // Graceful: b moves to terminating and leaves.
    await b.n.changeState(2);
    await expect.poll(() => states(a.n.peers()), { timeout: 5_000 }).toBe("a=1,b=2");
    await b.n.stop();
    await expect.poll(() => states(a.n.peers()), { timeout: 5_000 }).toBe("a=1");
  }, 40_000);

  it("TLS with mutual authentication: trusted peers join, an untrusted one cannot", async () => {
    const a = await node("a", { tls: TLS });
    const b = await node("b", { tls: TLS });
    expect(await b.n.start([a.addr])).toBe(1);
    await expect.poll(() => states(a.n.peers()), { timeout: 5_000 }).toBe("a=0,b=0");
    const bad = await node("mallory", { tls: { cert: fx("other.crt"), key: fx("other.key"), ca: fx("ca.crt") } });
    await expect(bad.n.start([a.addr])).rejects.toMatchObject({ code: "membership.join_failed" });
    expect(states(a.n.peers())).toBe("a=0,b=0");
    // HTTP/1.1 over TLS (ALPN http/1.1, with a trusted client certificate) reaches the routes: 505.
    const [host, port] = a.addr.split(":");
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.request({ host, port: Number(port), path: "/api/v1/ckit/transport/message", method: "POST", ca: TLS.ca, cert: TLS.cert, key: TLS.key, headers: { "content-type": "application/x.ckit" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(505);
    // Without a client certificate the handshake itself is refused.
    expect(await fetch(`https://${a.addr}/api/v1/ckit/transport/message`, { method: "POST" }).catch((e: Error) => e)).toBeInstanceOf(Error);
  }, 30_000);

  it("mounted on an application's own node:http2 server (compat API), beside its routes", async () => {
    const platform = testNodePlatform();
    const app = http2.createServer();
    await new Promise<void>((r) => app.listen(0, "127.0.0.1", () => r()));
    const port = (app.address() as { port: number }).port;
    const transport = await createCkitTransport(platform, { advertise: `127.0.0.1:${port}` });
    app.on("request", (req, res) => {
      if (transport.handler.handleRequest(req, res)) return;
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("hello from the app");
    });
    const mounted = await CkitNode.create(platform, { name: "mounted", transport, overrides: FAST, leaveTimeoutMs: 500 });
    stops.push(() => new Promise<void>((r) => app.close(() => r())));
    stops.push(() => mounted.stop());
    const other = await node("other");
    expect(await other.n.start([`127.0.0.1:${port}`])).toBe(1);
    await mounted.changeState(1);
    await expect.poll(() => states(other.n.peers()), { timeout: 5_000 }).toBe("mounted=1,other=0");
    const c = http2.connect(`http://127.0.0.1:${port}`);
    const body = await new Promise<string>((resolve) => {
      const r = c.request({ ":path": "/app" });
      let s = "";
      r.setEncoding("utf8");
      r.on("data", (d) => (s += d));
      r.on("end", () => resolve(s));
      r.end();
    });
    c.close();
    expect(body).toBe("hello from the app");
  }, 30_000);
});
