// Smoke test for the workerd pool: the worker boots, loads build/hotpath.wasm and reports one build id.
import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";
it("serves healthz from workerd with the wasm loaded", async () => {
  const r = await SELF.fetch("http://x/healthz");
  expect(r.status).toBe(200);
  const body = (await r.json()) as { ok: boolean; buildId: number; hotpath: { loaded: boolean; buildId: number } };
  expect(body.ok).toBe(true);
  expect(body.hotpath.loaded).toBe(true);
  expect(body.buildId).toBe(body.hotpath.buildId);
  expect(Number.isInteger(body.buildId) && body.buildId > 0).toBe(true);
});
