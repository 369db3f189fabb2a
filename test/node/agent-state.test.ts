// The agent's Gravity state over real sockets: the store API on the agent's --http (bearer token, read-only
// without one, the shared error shape, the watch WebSocket), state gossip between agents (a POST at one
// agent reaches the others; a removal too), push/pull bringing a late joiner the whole state, and the
// version-mismatch hint when a plain agent joins a Serf-mode one.
import { afterAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import { startAgent, type Agent } from "../../src/node/agent.ts";
import { captureLogger, type LogLine } from "../helpers/capture-logger.ts";
import { testPlatform } from "../helpers/platform.ts";

const agents: Agent[] = [];
afterAll(async () => {
  await Promise.all(agents.map((a) => a.shutdown()));
});

async function agent(name: string, o: Partial<Parameters<typeof startAgent>[1]> = {}, logs: LogLine[] = []): Promise<Agent & { url: string; addr: string }> {
  const a = await startAgent(testPlatform({ logger: captureLogger(logs, { node: name }) }), { node: name, bind: "127.0.0.1:0", http: "127.0.0.1:0", profile: "local", overrides: { tcpTimeout: 5_000 }, ...o });
  agents.push(a);
  return Object.assign(a, { url: a.http ? `http://127.0.0.1:${a.http.address().port}` : "", addr: `127.0.0.1:${a.transport.bound().port}` });
}

const T = 1_700_000_000;
const route = (subnet: string, ts: number, action = "add") =>
  JSON.stringify({ type: 5, payload: { v: 231, subnet, machine_id: "m1", ion_id: "10.0.0.1:7946", timestamp: ts, action } });
const auth = { authorization: "Bearer s3cret" };

async function state(url: string): Promise<{ cursor: number; routes: { subnet: string }[]; endpoints: unknown[] }> {
  return (await (await fetch(`${url}/v1/state`)).json()) as never;
}

describe("agent store API", () => {
  it("without --http-token: reads are open, writes answer 401 naming the flag", async () => {
    const a = await agent("ro");
    const r = await fetch(`${a.url}/v1/messages`, { method: "POST", body: route("10.1.0.0/16", T) });
    expect(r.status).toBe(401);
    const body = (await r.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("unauthorized");
    expect(body.error.message).toContain("--http-token");
    expect((await fetch(`${a.url}/v1/state`)).status).toBe(200);
    expect(((await (await fetch(`${a.url}/v1/route?ip=10.1.2.3`)).json()) as { match: unknown }).match).toBeNull();
  });

  it("with --http-token: every store route needs it; POST applies; errors use the shared shape", async () => {
    const a = await agent("rw", { httpToken: "s3cret" });
    expect((await fetch(`${a.url}/v1/state`)).status).toBe(401);
    expect((await fetch(`${a.url}/v1/route?ip=10.0.0.1`, { headers: { authorization: "Bearer nope" } })).status).toBe(401);
    const ok = await fetch(`${a.url}/v1/messages`, { method: "POST", body: `[${route("10.1.0.0/16", T)}]`, headers: auth });
    expect(await ok.json()).toEqual({ applied: 1, changes: 1, cursor: 1 });
    const m = (await (await fetch(`${a.url}/v1/route?ip=10.1.2.3`, { headers: auth })).json()) as { match: { kind: string; route: { subnet: string } } };
    expect(m.match).toMatchObject({ kind: "subnet", route: { subnet: "10.1.0.0/16" } });
    const bad = await fetch(`${a.url}/v1/messages`, { method: "POST", body: '{"type":9,"payload":{}}', headers: auth });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("gossip.decode.unknown_type");
    const env = (await (await fetch(`${a.url}/v1/state?format=envelopes`, { headers: auth })).json()) as { cursor: number; messages: { type: number; payload: { subnet: string; v: number } }[] };
    expect(env.messages).toEqual([{ type: 5, payload: expect.objectContaining({ subnet: "10.1.0.0/16", v: 231, action: "add" }) }]);
    expect((await fetch(`${a.url}/v1/nope`)).status).toBe(404);
    const h = (await (await fetch(`${a.url}/healthz`)).json()) as { state: { records: number }; storage: { kind: string } };
    expect(h).toMatchObject({ state: { records: 1 }, storage: { kind: "memory" } });
  });

  it("serves the watch stream as a WebSocket (hello, catch-up, live changes in both formats)", async () => {
    const a = await agent("watch", { httpToken: "s3cret" });
    await fetch(`${a.url}/v1/messages`, { method: "POST", body: route("10.2.0.0/16", T), headers: auth });
    const frames: Record<string, unknown>[] = [];
    const ws = new WebSocket(`${a.url.replace("http", "ws")}/v1/watch?since=0&format=envelopes`, { headers: auth });
    ws.on("message", (d) => frames.push(JSON.parse(d.toString()) as Record<string, unknown>));
    await vi.waitFor(() => expect(frames.length).toBe(2), { timeout: 5_000 });
    expect(frames[0]).toEqual({ type: "hello", cursor: 1 });
    expect(frames[1]).toMatchObject({ type: "changes", cursor: 1, messages: [{ type: 5, payload: { subnet: "10.2.0.0/16" } }] });
    await fetch(`${a.url}/v1/messages`, { method: "POST", body: route("10.2.0.0/16", T + 1, "remove"), headers: auth });
    await vi.waitFor(() => expect(frames.length).toBe(3), { timeout: 5_000 });
    expect(frames[2]).toMatchObject({ type: "changes", cursor: 2, messages: [{ type: 5, payload: { subnet: "10.2.0.0/16", action: "remove", timestamp: T + 1 } }] });
    ws.close();
    const refused = new WebSocket(`${a.url.replace("http", "ws")}/v1/watch`);
    const status = await new Promise<number>((r) => refused.on("unexpected-response", (_q, res) => r(res.statusCode ?? 0)));
    expect(status).toBe(401);
  });
});

describe("state gossip between agents", () => {
  it("a POST at one agent reaches the others; a removal too; a late joiner gets everything by push/pull", async () => {
    const a = await agent("g-a", { httpToken: "s3cret" });
    const b = await agent("g-b", { join: [a.addr] });
    expect(b.joined?.contacted).toBe(1);
    await fetch(`${a.url}/v1/messages`, { method: "POST", body: `[${route("10.3.0.0/16", T)},${route("10.4.0.0/16", T)}]`, headers: auth });
    await vi.waitFor(async () => expect((await state(b.url)).routes.map((r) => r.subnet).sort()).toEqual(["10.3.0.0/16", "10.4.0.0/16"]), { timeout: 10_000 });
    await fetch(`${a.url}/v1/messages`, { method: "POST", body: route("10.3.0.0/16", T + 5, "remove"), headers: auth });
    await vi.waitFor(async () => expect((await state(b.url)).routes.map((r) => r.subnet)).toEqual(["10.4.0.0/16"]), { timeout: 10_000 });
    const late = await agent("g-late", { join: [b.addr] });
    // Straight after the join's push/pull: the whole state, the tombstone included.
    const env = (await (await fetch(`${late.url}/v1/state?format=envelopes`)).json()) as { messages: { payload: { subnet: string; action: string } }[] };
    expect(env.messages.map((m) => `${m.payload.subnet} ${m.payload.action}`).sort()).toEqual(["10.3.0.0/16 remove", "10.4.0.0/16 add"]);
  });

  it("a plain agent joining a --serf agent is refused with one line naming --serf", async () => {
    const s = await agent("serf-mode", { serf: true, http: undefined });
    const logs: LogLine[] = [];
    const p = await agent("plain", { join: [s.addr], http: undefined }, logs);
    expect(p.joined?.contacted).toBe(0);
    const hint = logs.filter((l) => String(l["msg"]).includes("--serf"));
    expect(hint).toHaveLength(1);
    expect(hint[0]!["msg"]).toContain("start the agent with --serf");
  });
});
