// The worker's status page in workerd: behind STORE_TOKEN, showing the store (with a route lookup) and
// the relay shards from the peer directory; the login cookie opens it; the shared UI code runs here
// unchanged.
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../worker/index.ts";

const token = { authorization: "Bearer dev-store-token" };

describe("worker /ui", () => {
  it("serves the page with the store and relay panels to the token holder", async () => {
    const post = await SELF.fetch("http://x/v1/messages", {
      method: "POST",
      headers: token,
      body: '{"type":5,"payload":{"v":231,"subnet":"fd15:d710:9::/64","machine_id":"ui-m","ion_id":"10.0.0.9:7946","timestamp":1700000000,"action":"add"}}',
    });
    expect(post.status).toBe(200);
    const res = await SELF.fetch("http://x/ui?ip=fd15:d710:9::5", { headers: token });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain("<title>gossamer · edge</title>");
    expect(html).toMatch(/<code>fd15:d710:9::\/64<\/code><\/td><td>ui-m<\/td>/);
    expect(html).toContain("fd15:d710:9::5</code>: subnet fd15:d710:9::/64 → machine ui-m via ion 10.0.0.9:7946");
    expect(html).toContain('id="relay"');
    expect(html).toMatch(/<td>shard-0<\/td><td>\d+<\/td>/);
    const data = (await (await SELF.fetch("http://x/ui/data", { headers: token })).json()) as { kind: string; relay: { shards: unknown[] } };
    expect(data.kind).toBe("edge");
    expect(data.relay.shards).toHaveLength(4); // RELAY_SHARDS in wrangler.toml
  });

  it("asks a browser to log in, and the cookie from the form opens the page", async () => {
    const first = await SELF.fetch("http://x/ui", { headers: { accept: "text/html" } });
    expect(first.status).toBe(401);
    expect(await first.text()).toContain("STORE_TOKEN");
    const login = await SELF.fetch("http://x/ui/login", { method: "POST", body: new URLSearchParams({ token: "dev-store-token" }), redirect: "manual" });
    expect(login.status).toBe(303);
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    expect((await SELF.fetch("http://x/ui/fragment", { headers: { cookie } })).status).toBe(200);
    // The watch stream behind the same session: an upgrade reaches the store object.
    const ws = await SELF.fetch("http://x/ui/watch", { headers: { cookie, upgrade: "websocket" } });
    expect(ws.status).toBe(101);
    ws.webSocket!.accept();
    const hello = await new Promise<string>((r) => ws.webSocket!.addEventListener("message", (e) => r(e.data as string), { once: true }));
    expect(JSON.parse(hello)).toMatchObject({ type: "hello" });
    ws.webSocket!.close(1000, "done");
  });

  it("shows a sharded store merged (STORE_SHARDS = 4): records of every shard, lookups from the route replica, one watch", async () => {
    const env4 = { ...env, STORE_SHARDS: "4" };
    const call = async (path: string, init: RequestInit = {}) => {
      const ctx = createExecutionContext();
      const res = await worker.fetch(new Request(`http://x${path}`, { ...init, headers: { ...token, ...(init.headers as Record<string, string>) } }), env4, ctx);
      if (res.status !== 101) await waitOnExecutionContext(ctx);
      return res;
    };
    // Eight routes: a stable key hash over 4 shards puts them on more than one shard.
    const subnets = Array.from({ length: 8 }, (_, i) => `fd15:d7a${i}:1::/64`);
    const body = JSON.stringify(subnets.map((subnet, i) => ({ type: 5, payload: { v: 231, subnet, machine_id: `ui4-m${i}`, ion_id: "10.0.0.9:7946", timestamp: 1700000000, action: "add" } })));
    expect((await call("/v1/messages", { method: "POST", body })).status).toBe(200);
    const html = await (await call("/ui?ip=fd15:d7a5:1::7")).text();
    for (const [i, subnet] of subnets.entries()) expect(html).toContain(`<code>${subnet}</code></td><td>ui4-m${i}</td>`);
    expect(html).toContain("fd15:d7a5:1::7</code>: subnet fd15:d7a5:1::/64 → machine ui4-m5 via ion 10.0.0.9:7946");
    const ws = await call("/ui/watch", { headers: { upgrade: "websocket" } });
    expect(ws.status).toBe(101);
    ws.webSocket!.accept();
    const hello = await new Promise<string>((r) => ws.webSocket!.addEventListener("message", (e) => r(e.data as string), { once: true }));
    expect(JSON.parse(hello)).toMatchObject({ type: "hello" });
    ws.webSocket!.close(1000, "done");
  });
});
