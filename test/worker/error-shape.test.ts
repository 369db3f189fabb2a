// One JSON error shape, {"error":{"code","message"}}, on every worker route that refuses: unknown route,
// wrong method, missing store token, /relay without an upgrade, bad input to the decoder and the store.
// The Node side is test/node/error-shape.test.ts.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

async function expectError(res: Response, status: number, code: string): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
}

const token = { authorization: "Bearer dev-store-token" };

describe("the JSON error shape in the worker", () => {
  it("refuses in one shape everywhere", async () => {
    await expectError(await SELF.fetch("http://x/nope"), 404, "not_found");
    await expectError(await SELF.fetch("http://x/healthz", { method: "POST" }), 405, "method_not_allowed");
    await expectError(await SELF.fetch("http://x/relay"), 426, "upgrade_required");
    for (const p of ["/v1/state", "/v1/route?ip=::1", "/v1/watch", "/ui"]) await expectError(await SELF.fetch(`http://x${p}`, { headers: { accept: "application/json" } }), 401, "unauthorized");
    await expectError(await SELF.fetch("http://x/v1/messages", { method: "POST", body: "{}" }), 401, "unauthorized");
    await expectError(await SELF.fetch("http://x/v1/route", { headers: token }), 400, "missing_ip");
    await expectError(await SELF.fetch("http://x/v1/watch", { headers: token }), 426, "upgrade_required");
    await expectError(await SELF.fetch("http://x/v1/messages", { method: "POST", body: "{", headers: token }), 400, "gossip.decode.malformed_json");
    await expectError(await SELF.fetch("http://x/v1/gossip/decode", { method: "POST", body: "[" }), 400, "gossip.decode.malformed_json");
  });
});
