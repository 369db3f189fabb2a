// The Node side of the runtime adapters (test/helpers/runtime-adapter.ts): same names and types as the
// worker's, checked at compile time (expectTypeOf, enforced by `npm run typecheck`) and used here through
// the shared RelayService interface only.
import { describe, expect, expectTypeOf, it } from "vitest";
import * as node from "../../src/node/index.ts";
import type { RelayService, ServeRelay } from "../../src/relay/index.ts";
import { ADAPTER_FUNCTIONS, type RuntimeAdapter } from "../helpers/runtime-adapter.ts";
import { testPlatform } from "../helpers/platform.ts";

describe("Node runtime adapters", () => {
  it("export every adapter function under its shared name and type", () => {
    expectTypeOf<Pick<typeof node, keyof RuntimeAdapter>>().toMatchTypeOf<RuntimeAdapter>();
    expectTypeOf(node.serveRelay).parameters.toEqualTypeOf<Parameters<ServeRelay>>();
    expectTypeOf(node.serveRelay).returns.resolves.toMatchTypeOf<RelayService>();
    for (const name of ADAPTER_FUNCTIONS) {
      expect(typeof node[name]).toBe("function");
      expect(node[name].length).toBe(2);
    }
  });

  it("serveRelay serves /healthz, /metrics and refuses a plain GET /relay through fetch", async () => {
    const serve: ServeRelay = node.serveRelay;
    const relay = await serve(testPlatform(), { listen: "127.0.0.1:0", authSecret: "adapter-secret" });
    try {
      expect(relay.instanceUrl).toMatch(/^rel:\/\/127\.0\.0\.1:\d+$/);
      const health = await relay.fetch(new Request("http://relay/healthz"));
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: "healthy", peers: 0 });
      const metrics = await relay.fetch(new Request("http://relay/metrics"));
      expect(await metrics.text()).toContain('relay_peers{transport="ws"} 0');
      const plain = await relay.fetch(new Request("http://relay/relay"));
      expect(plain.status).toBe(426);
      expect(await plain.json()).toEqual({ error: { code: "upgrade_required", message: "the relay speaks WebSocket only" } });
      expect((await relay.fetch(new Request("http://relay/nope"))).status).toBe(404);
      expect((await relay.metrics()).map((f) => f.name)).toContain("relay_transfer_sent_bytes_total");
    } finally {
      await relay.close();
    }
  });
});
