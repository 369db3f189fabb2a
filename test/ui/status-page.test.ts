// The live status page in a real browser (Debian's headless Chromium driven by playwright-core) against
// real processes: two `gossamer agent` processes (the page on --http behind --http-token), the worker
// under `wrangler dev` (workerd, Durable Objects; the page behind STORE_TOKEN, with a relay peer
// connected), and three meshage nodes (the graph as SVG). Each page is checked for what it shows, for
// live updates without a reload (store changes through the watch stream, members through the poll), and
// saved as a screenshot in test/ui/screenshots/.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { Browser, Page } from "playwright-core";
import { startMeshNode } from "../../src/node/index.ts";
import { RelayClient, issueToken, peerIdFromPublicKey, type WebSocketLike } from "../../src/relay/index.ts";
import { spawnSync } from "node:child_process";
import { gossamer, killAll, repoBin, repoRoot, type GossamerProc } from "../helpers/gossamer-proc.ts";
import { launchChromium } from "../helpers/browser.ts";
import { testPlatform } from "../helpers/platform.ts";
import { startEdge, type Edge } from "../interop/edge.ts";

const shots = path.join(repoRoot, "test/ui/screenshots");
mkdirSync(shots, { recursive: true });
const envelopes = readFileSync(path.join(repoRoot, "examples/envelopes.json"), "utf8");
const heartbeat = () => {
  const now = Math.floor(Date.now() / 1000);
  return `{"type":4,"payload":{"v":38,"vip":"fd15:d710:2:5::10","owners":{"m1":${now},"m2":${now}},"timestamp":${now}}}`;
};
const route = (subnet: string, machine: string) =>
  `{"type":5,"payload":{"v":231,"subnet":"${subnet}","machine_id":"${machine}","ion_id":"10.0.0.8:7946","timestamp":${Math.floor(Date.now() / 1000)},"action":"add"}}`;

let browser: Browser;
const cleanups: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
  await browser?.close();
  killAll();
}, 60_000);

async function post(url: string, token: string, body: string): Promise<void> {
  const r = await fetch(`${url}/v1/messages`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body });
  expect(r.status, await r.clone().text()).toBe(200);
}

/** Logs in through the page's form, as a person would. */
async function login(page: Page, url: string, token: string): Promise<void> {
  const first = await page.goto(`${url}/ui`);
  expect(first?.status()).toBe(401);
  await page.fill("#token", "wrong");
  await page.click("button[type=submit]");
  await page.waitForSelector("#login-error");
  await page.fill("#token", token);
  await page.click("button[type=submit]");
  await page.waitForSelector("#live");
}

const cells = (page: Page, table: string) => page.locator(`table[data-table="${table}"] tbody tr`).allInnerTexts();

describe("status page on an agent cluster", () => {
  let a: GossamerProc;
  let b: GossamerProc;
  let http: string;

  it("shows members, the store and a route lookup, and follows changes live", async () => {
    a = gossamer(["agent", "--node", "ui-a", "--bind", "127.0.0.1:0", "--http", "127.0.0.1:0", "--http-token", "ui-token", "--tag", "role=edge", "--tag", "dc=eu-1"]);
    const runA = await a.line("agent running");
    http = `http://127.0.0.1:${(runA["http"] as { port: number }).port}`;
    b = gossamer(["agent", "--node", "ui-b", "--bind", "127.0.0.1:0", "--join", `127.0.0.1:${runA["port"]}`, "--tag", "role=ion"]);
    await b.line("joined cluster");
    await post(http, "ui-token", envelopes);
    await post(http, "ui-token", heartbeat());

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await login(page, http, "ui-token");
    await expect.poll(() => page.locator("#live-status").textContent(), { timeout: 30_000 }).toBe("live");

    const members = await cells(page, "members");
    expect(members).toHaveLength(2);
    expect(members[0]).toMatch(/^ui-a \(this agent\)\s+127\.0\.0\.1:\d+\s+alive\s+dc=eu-1 role=edge\s+1\s+1\/5\/2\s+0\/0\/0$/);
    expect(members[1]).toMatch(/^ui-b\s+127\.0\.0\.1:\d+\s+alive\s+role=ion\s+\d+\s+1\/5\/2\s+0\/0\/0$/);
    expect(await cells(page, "routes")).toEqual([expect.stringMatching(/^fd15:d710:2:5::\/64\s+m1\s+10\.0\.0\.7:7946\s+2023-11-14 22:13:20Z$/)]);
    expect(await cells(page, "endpoints")).toEqual([expect.stringMatching(/^c1\s+m1\s+p1\s+fd15:d710:2:5::10\s+10\.200\.0\.10\s+web\.internal\s+web\.example\.com/)]);
    expect(await cells(page, "nats")).toEqual([expect.stringMatching(/^nat-1\s+10\.96\.0\.10\s+10\.200\.0\.10\s+40000 → 53/)]);
    expect((await cells(page, "vips"))[0]).toMatch(/^fd15:d710:2:5::10\s+m1 @ .* m2 @ /);
    expect(await page.locator("#absent-ckit-peers").textContent()).toContain("ckit peer states show here");

    // The lookup box: a plain GET form, answered on the server.
    await page.fill("#ip", "fd15:d710:2:5::1");
    await page.click("form.lookup button");
    await page.waitForSelector("#lookup-result");
    expect(await page.locator("#lookup-result").textContent()).toBe("fd15:d710:2:5::1: subnet fd15:d710:2:5::/64 → machine m1 via ion 10.0.0.7:7946");
    expect(page.url()).toMatch(/\/ui\?ip=fd15/);
    await expect.poll(() => page.locator("#live-status").textContent(), { timeout: 30_000 }).toBe("live");

    // Live: a new route arrives through the watch stream; the page shows it without a reload.
    const before = Number(await page.locator("body").getAttribute("data-refreshes"));
    await post(http, "ui-token", route("fd15:d710:2:6::/64", "m2"));
    await expect.poll(async () => (await cells(page, "routes")).length, { timeout: 30_000 }).toBe(2);
    expect(Number(await page.locator("body").getAttribute("data-refreshes"))).toBeGreaterThan(before);
    expect(await page.locator("#ip").inputValue()).toBe("fd15:d710:2:5::1"); // the box keeps what was typed

    // Live: a third member joins; the poll brings it in.
    const c = gossamer(["agent", "--node", "ui-c", "--bind", "127.0.0.1:0", "--join", `127.0.0.1:${runA["port"]}`]);
    await c.line("joined cluster");
    await expect.poll(async () => (await cells(page, "members")).some((r) => /^ui-c\s.*alive/.test(r)), { timeout: 30_000 }).toBe(true);
    await page.screenshot({ path: path.join(shots, "agent.png"), fullPage: true });

    // Left members show as left.
    c.proc.kill("SIGTERM");
    expect(await c.exited).toBe(0);
    await expect.poll(async () => (await cells(page, "members")).some((r) => /^ui-c\s.*\sleft\s/.test(r)), { timeout: 30_000 }).toBe(true);

    // Log out: the page asks for the token again.
    await page.click("header button");
    await page.waitForSelector("#token");
    expect(errors).toEqual([]);
    await page.close();
    b.proc.kill("SIGTERM");
    a.proc.kill("SIGTERM");
    expect(await b.exited).toBe(0);
    expect(await a.exited).toBe(0);
  }, 240_000);
});

describe("status page on the worker (wrangler dev)", () => {
  let edge: Edge;
  it("shows the store, relay shards and peers, and follows the store live", async () => {
    edge = await startEdge();
    cleanups.push(() => edge.dispose());
    await post(edge.url, edge.token, envelopes);
    await post(edge.url, edge.token, heartbeat());
    const ws = new WebSocket(`${edge.url.replace("http", "ws")}/relay?shard=0`);
    await new Promise<void>((r, j) => (ws.once("open", () => r()), ws.once("error", j)));
    const peer = await RelayClient.connect(ws as unknown as WebSocketLike, { peerId: await peerIdFromPublicKey("ui-peer"), token: await issueToken("dev-relay-secret"), serverSilenceMs: false });
    cleanups.push(async () => peer.close());

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await login(page, edge.url, edge.token);
    await expect.poll(() => page.locator("#live-status").textContent(), { timeout: 30_000 }).toBe("live");
    expect(await page.title()).toBe("gossamer · edge");
    expect(await cells(page, "routes")).toEqual([expect.stringMatching(/^fd15:d710:2:5::\/64\s+m1\s+10\.0\.0\.7:7946/)]);
    expect(await cells(page, "shards")).toEqual([expect.stringMatching(/^shard-0\s+1$/)]);
    expect(await cells(page, "relay-peers")).toEqual([expect.stringMatching(new RegExp(`^${peer.peerIdString.replace(/[+/=]/g, "\\$&")}\\s+shard-0\\s+\\d{4}-`))]);
    expect(await page.locator(".facts").textContent()).toMatch(/hot pathWasm build \d+/);

    await page.goto(`${edge.url}/ui?ip=10.96.0.10`);
    expect(await page.locator("#lookup-result").textContent()).toBe("10.96.0.10: NAT 10.96.0.10/32 → 10.96.0.10 (key nat-1, from 10.200.0.10)");
    await expect.poll(() => page.locator("#live-status").textContent(), { timeout: 30_000 }).toBe("live");
    await post(edge.url, edge.token, route("fd15:d710:2:7::/64", "m3"));
    await expect.poll(async () => (await cells(page, "routes")).length, { timeout: 30_000 }).toBe(2);
    await page.screenshot({ path: path.join(shots, "edge.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();

    // The command line reads the worker's store too, through its URL and STORE_TOKEN.
    const cli = (...args: string[]) => spawnSync(process.execPath, [repoBin, ...args, "--http-addr", edge.url, "--token", edge.token], { encoding: "utf8" });
    const state = cli("state");
    expect(state.status).toBe(0);
    expect(state.stdout).toMatch(/^Subnet routes \(2\)$/m);
    const hit = cli("route", "fd15:d710:2:7::9");
    expect(hit.stdout).toBe("fd15:d710:2:7::9: subnet fd15:d710:2:7::/64 -> machine m3 via ion 10.0.0.8:7946\n");
  }, 240_000);
});

describe("status page of a mesh node", () => {
  it("draws the mesh graph as SVG and follows it", async () => {
    const nodes = [];
    for (const name of ["m-alpha", "m-bravo", "m-charlie"]) {
      const n = await startMeshNode(testPlatform(), { name, msaPeriodMs: 500, transport: { port: 0, host: "127.0.0.1", broadcast: [] }, http: "127.0.0.1:0" });
      cleanups.push(() => n.close());
      nodes.push(n);
    }
    await nodes[1]!.node.dial(`127.0.0.1:${nodes[0]!.transport.port}`);
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    await page.goto(`http://${nodes[0]!.admin!.address}/ui`);
    await expect.poll(() => page.locator("svg.graph .node").count(), { timeout: 30_000 }).toBe(2);
    await nodes[2]!.node.dial(`127.0.0.1:${nodes[1]!.transport.port}`);
    await expect.poll(() => page.locator("svg.graph .node").count(), { timeout: 30_000 }).toBe(3);
    await expect.poll(() => page.locator("svg.graph line.edge").count(), { timeout: 30_000 }).toBe(2);
    expect(await page.locator("svg.graph .node.self text").textContent()).toBe("m-alpha");
    expect(await cells(page, "mesh-links")).toEqual(["m-alpha\tm-bravo", "m-bravo\tm-alpha, m-charlie", "m-charlie\tm-bravo"]);
    await page.screenshot({ path: path.join(shots, "mesh.png"), fullPage: true });
    await page.close();
  }, 150_000);
});
