import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";
it("serves healthz from workerd with the wasm loaded", async () => {
  const r = await SELF.fetch("http://x/healthz");
  expect(r.status).toBe(200);
  expect(await r.json()).toEqual({ ok: true, buildId: 1 });
});
