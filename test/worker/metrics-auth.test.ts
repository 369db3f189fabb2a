// GET /metrics access control in real workerd: open when METRICS_TOKEN is unset (wrangler.toml does not set
// it), bearer-only when it is set (the app is called with the test env plus a token).
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import app from "../../worker/index.ts";

async function withToken(token: string, headers: Record<string, string> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request("http://x/metrics", { headers }), { ...env, METRICS_TOKEN: token }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("GET /metrics access", () => {
  it("is open when METRICS_TOKEN is unset", async () => {
    expect(env.METRICS_TOKEN).toBeUndefined();
    const r = await SELF.fetch("http://x/metrics");
    expect(r.status).toBe(200);
    expect(await r.text()).toContain("# TYPE relay_peers gauge");
  });

  it("requires the bearer token when METRICS_TOKEN is set", async () => {
    const none = await withToken("scrape-secret");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="gossamer-metrics"');
    expect(await none.json()).toEqual({ error: { code: "unauthorized", message: "missing or wrong bearer token" } });

    for (const authorization of ["Bearer wrong", "Basic c2NyYXBlLXNlY3JldA==", "scrape-secret", "Bearer scrape-secretX"]) {
      expect((await withToken("scrape-secret", { authorization })).status, authorization).toBe(401);
    }

    const ok = await withToken("scrape-secret", { authorization: "Bearer scrape-secret" });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    expect(await ok.text()).toContain("# TYPE relay_peers gauge");
    // The scheme is case-insensitive, as in RFC 7235.
    expect((await withToken("scrape-secret", { authorization: "bearer scrape-secret" })).status).toBe(200);
  });

  it("treats an empty METRICS_TOKEN as unset", async () => {
    expect((await withToken("")).status).toBe(200);
  });
});
