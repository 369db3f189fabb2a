// The shared wait helpers: waitUntil resolves with the first truthy value (throwing checks count as
// "not yet"), fails with a message naming the condition and its last error, withTimeout bounds a
// promise, and quietPeriod / drainEventLoop do what their names promise.
import { describe, expect, it } from "vitest";
import { drainEventLoop, quietPeriod, waitUntil, WaitTimeoutError, withTimeout } from "./wait.ts";

describe("waitUntil", () => {
  it("resolves with the first truthy value, polling until then", async () => {
    let calls = 0;
    const v = await waitUntil("the third call", () => (++calls >= 3 ? { calls } : undefined), { interval: 1 });
    expect(v).toEqual({ calls: 3 });
  });

  it("awaits async conditions and treats a throwing check as not yet", async () => {
    let calls = 0;
    const v = await waitUntil(
      "an expectation to pass",
      async () => {
        calls++;
        expect(calls).toBeGreaterThan(2);
        return "done";
      },
      { interval: 1 },
    );
    expect(v).toBe("done");
  });

  it("times out with a message naming the condition and the last failure", async () => {
    const err = await waitUntil("the impossible", () => {
      throw new Error("still wrong");
    }, { timeout: 30, interval: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect((err as Error).message).toBe("timed out after 30 ms waiting for the impossible; last check threw: still wrong");
    const plain = await waitUntil("never", () => false, { timeout: 20, interval: 5 }).catch((e: unknown) => e);
    expect((plain as Error).message).toBe("timed out after 20 ms waiting for never");
  });
});

describe("withTimeout", () => {
  it("passes a settled promise through and rejects a stuck one with a named error", async () => {
    expect(await withTimeout(Promise.resolve(7), "seven")).toBe(7);
    await expect(withTimeout(Promise.reject(new Error("own")), "x")).rejects.toThrow("own");
    await expect(withTimeout(new Promise(() => {}), "a reply", 20)).rejects.toThrow("timed out after 20 ms waiting for a reply");
  });
});

describe("deliberate waits", () => {
  it("quietPeriod waits at least the given time", async () => {
    const t0 = performance.now();
    await quietPeriod(30, "nothing may happen meanwhile");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
  });

  it("drainEventLoop runs every queued microtask, including ones queued by microtasks", async () => {
    const log: string[] = [];
    queueMicrotask(() => queueMicrotask(() => log.push("nested")));
    void Promise.resolve().then(() => log.push("reaction"));
    await drainEventLoop();
    expect(log.sort()).toEqual(["nested", "reaction"]);
  });
});
