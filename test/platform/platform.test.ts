// The platform seam: simPlatform, nodePlatform and the hot path every platform carries (lazy, one instance
// per use, the HOTPATH_CHOICE table, a missing module reported instead of thrown).
import { describe, expect, it } from "vitest";
import { hotpathModule } from "../../src/node/index.ts";
import { HOTPATH_CHOICE, createPlatformHotpath, memoryStorageFactory, simPlatform, type HotpathUse, type StorageFactory } from "../../src/platform/index.ts";
import { SimClock } from "../../src/util/index.ts";
import { testPlatform } from "../helpers/platform.ts";

const USES = Object.keys(HOTPATH_CHOICE) as HotpathUse[];

describe("platform hot path", () => {
  it("compiles nothing until a routine is asked for, then gives each use its own instance", () => {
    let loads = 0;
    const hp = createPlatformHotpath(() => (loads++, hotpathModule()));
    expect(loads).toBe(0);
    const a = hp.for("memberlist-crc");
    expect(loads).toBe(1);
    expect(a.kind).toBe("wasm");
    expect(hp.for("memberlist-crc")).toBe(a);
    expect(hp.for("schema-hash")).not.toBe(a);
    for (const use of USES) expect(hp.for(use).kind).toBe(HOTPATH_CHOICE[use]);
    expect(hp.choice("relay-frames")).toBe(HOTPATH_CHOICE["relay-frames"]);
    expect(hp.lpm().impl).toBe("wasm");
    expect(hp.wasmError).toBeNull();
    expect(loads).toBe(1);
  });

  it("falls back to the TS twins and reports why when the module cannot load", () => {
    const hp = createPlatformHotpath(() => {
      throw new Error("build/hotpath.wasm: no such file");
    });
    for (const use of USES) expect(hp.for(use).kind).toBe("ts");
    expect(hp.wasm).toBeNull();
    expect(hp.wasmError).toMatch(/no such file/);
    expect(hp.lpm().impl).toBe("ts");
    expect(hp.ts.crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });

  it("without a module every use is the TS twin", () => {
    const hp = createPlatformHotpath(null);
    for (const use of USES) expect(hp.choice(use)).toBe("ts");
    expect(hp.wasm).toBeNull();
    expect(hp.wasmError).toBeNull();
  });
});

describe("simPlatform", () => {
  it("is deterministic for a seed and runs on simulated time", async () => {
    const a = simPlatform({ seed: 7 });
    const b = simPlatform({ seed: 7 });
    const draws = (p: typeof a) => Array.from({ length: 5 }, () => p.random.next());
    expect(draws(a)).toEqual(draws(b));
    const clock = new SimClock();
    const p = simPlatform({ clock, epochMs: 1000 });
    expect(p.runtime).toBe("sim");
    await clock.advance(250);
    expect(p.wallClock()).toBe(1250);
    expect(p.storage.kind).toBe("memory");
    expect(p.hotpath.for("memberlist-crc").kind).toBe("ts");
  });
});

describe("nodePlatform", () => {
  it("carries real time, the Wasm hot path, one registry and memory storage by default", () => {
    const p = testPlatform();
    expect(p.runtime).toBe("node");
    expect(Math.abs(p.wallClock() - Date.now())).toBeLessThan(1000);
    expect(p.hotpath.wasm?.kind).toBe("wasm");
    expect(p.hotpath.wasm?.buildId).toBeGreaterThan(0);
    expect(p.storage.kind).toBe("memory");
    expect(p.storage.open("gossip")).toBe(p.storage.open("gossip"));
    expect(() => p.storage.open("Bad Name")).toThrow(TypeError);
    p.metrics.counter("x_total", "x").inc();
    expect(p.metrics.snapshot().map((f) => f.name)).toEqual(["x_total"]);
  });

  it("takes TS twins only with wasm: false, and a storage factory (the node:sqlite seam)", () => {
    const storage: StorageFactory = { ...memoryStorageFactory(), kind: "node-sqlite" };
    const p = testPlatform({ wasm: false, storage });
    for (const use of USES) expect(p.hotpath.for(use).kind).toBe("ts");
    expect(p.storage).toBe(storage);
  });
});
