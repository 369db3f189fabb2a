// The status page's server side without a browser: network text is escaped, every panel renders from its
// data, the mesh graph is deterministic and bounded, and the routes keep their access rules (token as a
// bearer header or the login cookie, the JSON error shape for non-browsers, the login form for browsers,
// strict security headers). The browser test is test/ui/status-page.test.ts; the worker's mount runs in
// test/worker/ui.test.ts.
import { describe, expect, it } from "vitest";
import { h, meshSvg, renderPage, renderPanels, sessionValue, uiRoutes, MAX_NODES, MAX_ROWS, type UiData, type UiHost } from "../../src/ui/index.ts";

const data = (over: Partial<UiData> = {}): UiData => ({
  kind: "agent",
  title: "gossamer · agent a",
  facts: [["node", "a"]],
  members: {
    self: "a",
    list: [{ name: "<img src=x onerror=alert(1)>", address: "10.0.0.1", port: 7946, state: "suspect", incarnation: 3, tags: { 'r"ole': "<b>" }, protocol: { min: 1, max: 5, cur: 2 }, delegate: { min: 2, max: 5, cur: 4 } }],
  },
  store: { cursor: 1, endpoints: [], tombstones: [], nats: [], vips: [], routes: [{ v: 231, subnet: "fd15::/64", machine_id: "m<1>", ion_id: "i", timestamp: 1700000000, action: "add" }] },
  ...over,
});

describe("rendering", () => {
  it("escapes everything that came from the network", () => {
    const out = renderPanels(data({ lookup: { ip: '"><script>x</script>', error: { code: "ip_bad_address", message: "not <an> IP" } } }), "/ui").value;
    expect(out).not.toContain("<img");
    expect(out).not.toContain("<script>");
    expect(out).not.toContain("=<b>");
    expect(out).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(out).toContain("r&quot;ole=&lt;b&gt;");
    expect(out).toContain("m&lt;1&gt;");
    expect(out).toContain('value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"');
    expect(out).toContain("ip_bad_address: not &lt;an&gt; IP");
    expect(h`${["<a>", h`<b>`, null, false, 3]}`.value).toBe("&lt;a&gt;<b>3");
  });

  it("renders each panel from its data and names the absent ones", () => {
    const out = renderPanels(
      data({
        ckit: [{ name: "c1", addr: "127.0.0.1:1", self: true, state: "participant" }],
        relay: { shards: [{ name: "shard-0", peers: 1 }], peers: [{ peer: "sha-abc", shard: "shard-0", since: 0 }], total: 1 },
        mesh: { self: "n1", adjacency: { n1: ["n2"], n2: ["n1"] } },
        lookup: { ip: "fd15::1", match: { kind: "subnet", prefix: "fd15::/64", route: { v: 231, subnet: "fd15::/64", machine_id: "m", ion_id: "i", timestamp: 0, action: "add" } } },
        absent: [{ panel: "Members", why: "no memberlist here" }],
      }),
      "/ui",
    ).value;
    for (const id of ["members", "ckit", "store", "relay", "mesh", "absent-Members"]) expect(out).toContain(`id="${id}"`);
    expect(out).toContain('<span class="badge warn">suspect</span>');
    expect(out).toContain("2/5/4");
    expect(out).toContain("fd15::1</code>: subnet fd15::/64 → machine m via ion i");
    expect(out).toContain("1 peer on 1 shard");
    expect(out).toContain("no memberlist here");
  });

  it("caps long tables and says how many rows it left out", () => {
    const routes = Array.from({ length: MAX_ROWS + 5 }, (_, i) => ({ v: 231, subnet: `fd15:${i.toString(16)}::/64`, machine_id: "m", ion_id: "i", timestamp: 0, action: "add" }));
    const out = renderPanels(data({ store: { cursor: 9, endpoints: [], tombstones: [], nats: [], vips: [], routes } }), "/ui").value;
    expect(out.match(/<tr><td><code>fd15:/g)).toHaveLength(MAX_ROWS);
    expect(out).toContain("5 more not shown");
  });

  it("draws the mesh deterministically, each link once, bounded", () => {
    const adj = { a: ["b", "c"], b: ["a"], c: ["a"] };
    const one = meshSvg("a", adj).value;
    expect(meshSvg("a", { c: ["a"], a: ["c", "b"], b: ["a"] }).value).toBe(one);
    expect(one.match(/<line /g)).toHaveLength(2);
    expect(one.match(/<circle /g)).toHaveLength(3);
    expect(one).toContain('class="node self"');
    const big = Object.fromEntries(Array.from({ length: MAX_NODES + 10 }, (_, i) => [`n${String(i).padStart(3, "0")}`, [] as string[]]));
    const drawn = meshSvg("n000", big).value;
    expect(drawn.match(/<circle /g)).toHaveLength(MAX_NODES);
    expect(drawn).toContain("10 more nodes not drawn");
  });

  it("the page links its own script and stylesheet, nothing from elsewhere", () => {
    const page = renderPage(data(), { base: "/ui", watch: true, pollMs: 2000, loggedIn: true });
    expect(page).toContain('<script src="/ui/app.js" defer></script>');
    expect(page).toContain('href="/ui/app.css"');
    expect(page).not.toMatch(/https?:\/\//);
    expect(page).toContain('data-watch="1" data-poll="2000"');
  });
});

describe("routes and access", () => {
  const host = (token: string | undefined): UiHost => ({ token: () => token, tokenSetting: "--http-token", pollMs: 1000, data: async (_c, ip) => data(ip ? { lookup: { ip, match: null } } : {}) });

  it("an open host serves page, fragment and data with strict headers", async () => {
    const app = uiRoutes(host(undefined));
    const page = await app.request("/ui?ip=10.0.0.1");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await page.text()).toContain("10.0.0.1</code>: no route");
    expect(await (await app.request("/ui/fragment")).text()).toMatch(/^<dl class="facts">/);
    expect(((await (await app.request("/ui/data")).json()) as UiData).kind).toBe("agent");
    expect((await app.request("/ui/app.js")).headers.get("content-type")).toMatch(/javascript/);
    expect((await app.request("/ui/watch")).status).toBe(404); // no watch stream on this host
  });

  it("with a token: login form for browsers, the JSON error otherwise, bearer or cookie to get in", async () => {
    const app = uiRoutes(host("s3cret"));
    const browser = await app.request("/ui", { headers: { accept: "text/html" } });
    expect(browser.status).toBe(401);
    expect(await browser.text()).toContain('name="token"');
    const api = await app.request("/ui/data");
    expect(api.status).toBe(401);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    expect((await app.request("/ui/data", { headers: { authorization: "Bearer s3cret" } })).status).toBe(200);

    const bad = await app.request("/ui/login", { method: "POST", body: new URLSearchParams({ token: "nope" }) });
    expect(bad.status).toBe(401);
    expect(await bad.text()).toContain("login-error");
    const ok = await app.request("/ui/login", { method: "POST", body: new URLSearchParams({ token: "s3cret" }) });
    expect(ok.status).toBe(303);
    const cookie = ok.headers.get("set-cookie")!;
    expect(cookie).toBe(`gossamer_ui=${await sessionValue("s3cret")}; Path=/ui; HttpOnly; SameSite=Strict`);
    expect(cookie).not.toContain("s3cret");
    const session = cookie.split(";")[0]!;
    expect((await app.request("/ui", { headers: { cookie: session } })).status).toBe(200);
    expect((await app.request("/ui", { headers: { cookie: `gossamer_ui=${"0".repeat(64)}` } })).status).toBe(401);
    const https = await app.request("https://edge.example/ui/login", { method: "POST", body: new URLSearchParams({ token: "s3cret" }) });
    expect(https.headers.get("set-cookie")).toContain("; Secure");
    const out = await app.request("/ui/logout", { method: "POST" });
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
  });
});
