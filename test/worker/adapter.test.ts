// The worker side of the runtime adapters (test/helpers/runtime-adapter.ts): same names and types as the
// Node side, checked at compile time (expectTypeOf, enforced by the worker typecheck) and used here
// through the shared RelayService interface only.
import { env } from "cloudflare:test";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { RelayService, ServeRelay } from "../../src/relay/index.ts";
import * as worker from "../../worker/adapters.ts";
import { ADAPTER_FUNCTIONS, type RuntimeAdapter } from "../helpers/runtime-adapter.ts";

describe("worker runtime adapters", () => {
  it("export every adapter function under its shared name and type", () => {
    expectTypeOf<Pick<typeof worker, keyof RuntimeAdapter>>().toMatchTypeOf<RuntimeAdapter>();
    expectTypeOf(worker.serveRelay).toEqualTypeOf<ServeRelay>();
    for (const name of ADAPTER_FUNCTIONS) {
      expect(typeof worker[name]).toBe("function");
      expect(worker[name].length).toBe(2);
    }
  });

  it("serveRelay refuses non-upgrades and gathers the shards' metrics", async () => {
    const relay: RelayService = await worker.serveRelay(worker.platformFor(env), { authSecret: env.RELAY_AUTH_SECRET });
    expect(relay.instanceUrl).toBe(env.RELAY_INSTANCE_URL);
    const plain = await relay.fetch(new Request("http://x/relay"));
    expect(plain.status).toBe(426);
    expect(await plain.json()).toEqual({ error: { code: "upgrade_required", message: "the relay speaks WebSocket only" } });
    const unconfigured = await worker.serveRelay(worker.platformFor(env), { authSecret: "" });
    const up = await unconfigured.fetch(new Request("http://x/relay", { headers: { upgrade: "websocket" } }));
    expect(up.status).toBe(503);
    const families = await relay.metrics();
    expect(families.filter((f) => f.name === "relay_peers").map((f) => f.samples[0]!.labels.shard).sort()).toEqual(["shard-0", "shard-1", "shard-2", "shard-3"]);
    await relay.close();
  });
});
