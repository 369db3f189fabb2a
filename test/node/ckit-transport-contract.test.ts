// The HTTP/2 gossiphttp transport (h2c and TLS) under the shared Transport conformance suite
// (test/transport/conformance.ts), plus our own contract checks (test/node/transport-contract.ts) on it
// and, as a check of those, on the UDP/TCP transport; real loopback sockets.
import { readFileSync } from "node:fs";
import net from "node:net";
import { describe } from "vitest";
import { createCkitTransport } from "../../src/node/ckit-transport.ts";
import { createTransport } from "../../src/node/transport.ts";
import { testNodePlatform } from "../helpers/node-platform.ts";
import { transportContract } from "./transport-contract.ts";
import { transportConformance } from "../transport/conformance.ts";

const fx = (f: string) => readFileSync(new URL(`../fixtures/ckit-tls/${f}`, import.meta.url));
export const TLS = { cert: fx("node.crt"), key: fx("node.key"), ca: fx("ca.crt") };

/** A loopback port with nothing listening (bound, then closed). */
async function deadAddress(): Promise<string> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `127.0.0.1:${port}`;
}

describe("transport contract", () => {
  transportContract("http2 h2c", async () => {
    const p = testNodePlatform();
    const a = await createCkitTransport(p, { listen: "127.0.0.1:0" });
    const b = await createCkitTransport(p, { listen: "127.0.0.1:0" });
    return { a, b, dead: await deadAddress(), close: async () => void (await Promise.all([a.close(), b.close()])) };
  });
  transportContract("http2 TLS", async () => {
    const p = testNodePlatform();
    const a = await createCkitTransport(p, { listen: "127.0.0.1:0", tls: TLS });
    const b = await createCkitTransport(p, { listen: "127.0.0.1:0", tls: TLS });
    return { a, b, dead: await deadAddress(), close: async () => void (await Promise.all([a.close(), b.close()])) };
  });
  transportContract("udp+tcp", async () => {
    const a = await createTransport(testNodePlatform(), { bind: "127.0.0.1:0" });
    const b = await createTransport(testNodePlatform(), { bind: "127.0.0.1:0" });
    return { a, b, dead: await deadAddress(), close: async () => void (await Promise.all([a.close(), b.close()])) };
  });
});

transportConformance("http2 gossiphttp (h2c)", () => {
  const platform = testNodePlatform();
  return {
    create: () => createCkitTransport(platform, { listen: "127.0.0.1:0" }),
    now: () => platform.clock.now(),
    deadAddress,
  };
});

transportConformance("http2 gossiphttp (h2c, request mode: one POST per batch, as ckit)", () => {
  const platform = testNodePlatform();
  return {
    create: () => createCkitTransport(platform, { listen: "127.0.0.1:0", packetMode: "request" }),
    now: () => platform.clock.now(),
    deadAddress,
  };
});

transportConformance("http2 gossiphttp (TLS, mutual)", () => {
  const platform = testNodePlatform();
  return {
    create: () => createCkitTransport(platform, { listen: "127.0.0.1:0", tls: TLS }),
    now: () => platform.clock.now(),
    deadAddress,
  };
});
