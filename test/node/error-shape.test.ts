// One JSON error shape, {"error":{"code","message"}}, on every Node HTTP surface: the agent's API (unknown
// route, wrong method, missing token), the relay listener (unknown route, /relay without an upgrade, an
// upgrade to another path) and the mesh admin API. The worker's side is test/worker/error-shape.test.ts;
// /relay without an upgrade answers the same on both runtimes (test/node/adapter.test.ts and
// test/worker/adapter.test.ts share that check).
import { request } from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import { serveRelay, startAgent, startMeshNode } from "../../src/node/index.ts";
import { testPlatform } from "../helpers/platform.ts";

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
});

async function expectError(res: Response, status: number, code: string): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(0);
}

/** A raw upgrade request; resolves with the status line, content type and body of the refusal. */
function upgrade(port: number, path: string): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { connection: "upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" } });
    req.on("response", (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], body }));
    });
    req.on("upgrade", () => reject(new Error("unexpected upgrade")));
    req.on("error", reject);
    req.end();
  });
}

describe("the JSON error shape on Node", () => {
  it("agent API", async () => {
    const agent = await startAgent(testPlatform(), { node: "err-a", bind: "127.0.0.1:0", http: "127.0.0.1:0", httpToken: "t" });
    closers.push(() => agent.shutdown());
    const base = `http://127.0.0.1:${agent.http!.address().port}`;
    await expectError(await fetch(`${base}/nope`), 404, "not_found");
    await expectError(await fetch(`${base}/v1/members`, { method: "POST" }), 405, "method_not_allowed");
    await expectError(await fetch(`${base}/v1/state`), 401, "unauthorized");
    await expectError(await fetch(`${base}/v1/route`, { headers: { authorization: "Bearer t" } }), 400, "missing_ip");
    await expectError(await fetch(`${base}/v1/messages`, { method: "POST", body: "{", headers: { authorization: "Bearer t" } }), 400, "gossip.decode.malformed_json");
  });

  it("relay listener", async () => {
    const relay = await serveRelay(testPlatform(), { listen: "127.0.0.1:0", authSecret: "s" });
    closers.push(() => relay.close());
    const base = `http://127.0.0.1:${relay.port}`;
    await expectError(await fetch(`${base}/nope`), 404, "not_found");
    await expectError(await fetch(`${base}/relay`), 426, "upgrade_required");
    const up = await upgrade(relay.port, "/not-relay");
    expect(up.status).toBe(404);
    expect(up.type).toBe("application/json");
    expect(JSON.parse(up.body)).toEqual({ error: { code: "not_found", message: "no such route" } });
  });

  it("mesh admin API", async () => {
    const mesh = await startMeshNode(testPlatform(), { name: "err-m", transport: { port: 0, host: "127.0.0.1", broadcast: [] }, http: "127.0.0.1:0" });
    closers.push(() => mesh.close());
    const base = `http://${mesh.admin!.address}`;
    await expectError(await fetch(`${base}/nope`), 404, "not_found");
    await expectError(await fetch(`${base}/v1/mesh/dial`), 405, "method_not_allowed");
    await expectError(await fetch(`${base}/v1/mesh/degree`, { method: "PUT", body: "[" }), 400, "bad_json");
  });
});
