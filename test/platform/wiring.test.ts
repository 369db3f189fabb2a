// The hot path on the real paths: every production caller gets its routines from the platform it was
// built on. Each case builds a platform whose hot path counts the calls of one use, runs the real
// subsystem through its factory (serveRelay with real sockets, createMemberlist on a network,
// createStateStore), and checks that the routine it was handed did the work.
import WebSocket from "ws";
import { describe, expect, it, vi } from "vitest";
import { createMemberlist, defaultConfig } from "../../src/memberlist/index.ts";
import { serveRelay } from "../../src/node/index.ts";
import { simPlatform, type HotpathUse, type Platform, type PlatformHotpath } from "../../src/platform/index.ts";
import { RelayClient, issueToken, peerIdFromPublicKey, type WebSocketLike } from "../../src/relay/index.ts";
import { createStateStore } from "../../src/state/index.ts";
import { createMemoryNetwork } from "../../src/transport/index.ts";
import { SimClock } from "../../src/util/index.ts";
import type { Hotpath } from "../../src/hotpath/index.ts";
import { testPlatform } from "../helpers/platform.ts";

/** `platform` whose routines for `use` count calls per method; other uses unchanged. */
function counting(platform: Platform, use: HotpathUse): { platform: Platform; calls: Map<string, number>; lpms: { n: number } } {
  const calls = new Map<string, number>();
  const lpms = { n: 0 };
  const inner = platform.hotpath;
  let wrapped: Hotpath | undefined;
  const hotpath: PlatformHotpath = {
    for(u) {
      if (u !== use) return inner.for(u);
      if (!wrapped) {
        const real = inner.for(u);
        wrapped = new Proxy(real, {
          get(target, key, recv) {
            const v = Reflect.get(target, key, recv) as unknown;
            if (typeof v !== "function") return v;
            return (...args: unknown[]) => {
              calls.set(String(key), (calls.get(String(key)) ?? 0) + 1);
              // a burst swaps args[2] messages in one call (RelayCore.messages)
              if (key === "swapPeerIdBurst") calls.set("swapped in bursts", (calls.get("swapped in bursts") ?? 0) + (args[2] as number));
              return (v as (...a: unknown[]) => unknown).apply(target, args);
            };
          },
        });
      }
      return wrapped;
    },
    choice: (u) => inner.choice(u),
    lpm: () => (lpms.n++, inner.lpm()),
    get wasm() {
      return inner.wasm;
    },
    get wasmError() {
      return inner.wasmError;
    },
    get ts() {
      return inner.ts;
    },
  };
  return { platform: { ...platform, hotpath }, calls, lpms };
}

function connect(url: string): Promise<WebSocketLike> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once("open", () => resolve(ws as unknown as WebSocketLike));
    ws.once("error", reject);
  });
}

describe("production callers use the platform's hot path", () => {
  it("the relay rewrites peer IDs with its platform's relay-frames routine", async () => {
    const { platform, calls } = counting(testPlatform(), "relay-frames");
    const secret = "wiring-secret";
    const server = await serveRelay(platform, { listen: "127.0.0.1:0", authSecret: secret });
    try {
      const ids = await Promise.all(["wire-a", "wire-b"].map((k) => peerIdFromPublicKey(k)));
      const [a, b] = await Promise.all(ids.map(async (peerId) => RelayClient.connect(await connect(server.url), { peerId, token: await issueToken(secret), serverSilenceMs: false })));
      const got: string[] = [];
      b!.onMessage((_from, payload) => got.push(new TextDecoder().decode(payload)));
      for (let i = 0; i < 3; i++) a!.send(ids[1]!, new TextEncoder().encode(`m${i}`));
      await vi.waitFor(() => expect(got).toEqual(["m0", "m1", "m2"]), { timeout: 5000, interval: 5 });
      // one message per call, or the burst one socket read carried: every message went through the routine
      expect((calls.get("swapPeerId") ?? 0) + (calls.get("swapped in bursts") ?? 0)).toBe(3);
      a!.close();
      b!.close();
    } finally {
      await server.close();
    }
  });

  it("memberlist seals and checks packet CRCs with its platform's memberlist-crc routine", async () => {
    const clock = new SimClock();
    const { platform, calls } = counting(simPlatform({ clock }), "memberlist-crc");
    const net = createMemoryNetwork(platform);
    const cfg = (name: string) => defaultConfig("local", { name });
    const a = await createMemberlist(platform, cfg("a"), net.transport("10.0.0.1:7946"));
    const b = await createMemberlist(platform, cfg("b"), net.transport("10.0.0.2:7946"));
    const joined = b.join(["10.0.0.1:7946"]);
    await clock.advance(50);
    await joined;
    await clock.advance(5_000); // probes: UDP packets to members speaking protocol 5 carry a CRC
    expect(a.numMembers()).toBe(2);
    expect(calls.get("crc32") ?? 0).toBeGreaterThan(0);
    await a.shutdown();
    await b.shutdown();
  });

  it("the state store routes on the platform's LPM and computes V with its schema-hash routine", () => {
    const { platform, calls, lpms } = counting(simPlatform(), "schema-hash");
    const store = createStateStore(platform);
    expect(calls.get("structHash")).toBe(5);
    store.apply('{"type":5,"payload":{"v":231,"subnet":"10.2.0.0/16","machine_id":"m","ion_id":"i","timestamp":1,"action":"add"}}');
    expect(lpms.n).toBeGreaterThanOrEqual(1);
    expect(store.route("10.2.3.4")).toMatchObject({ kind: "subnet", prefix: "10.2.0.0/16" });
    expect(store.snapshot().routes[0]!.v).toBe(231);
  });
});
