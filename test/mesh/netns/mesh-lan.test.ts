// Mesh semantics on 3 to 10 real `gossamer mesh` processes, each in its own network namespace on a
// private bridge (lan.ts), all on port 9000: UDP solicitation with degree finds peers and ignores other
// namespaces; a line forwards a Set; broadcast reaches every node; a killed node is pruned everywhere;
// a Set through a link whose peer dies fails at once. Runs as root (CI); each test builds and tears
// down its own namespaces.
import { afterEach, describe, expect, it, vi } from "vitest";
import { meshStream } from "../../../src/node/mesh-client.ts";
import { Lan } from "./lan.ts";

const lans: Lan[] = [];
afterEach(async () => {
  for (const lan of lans.splice(0)) {
    await lan.destroy();
    expect(lan.leftovers()).toEqual([]);
  }
});

function lan(n: number): Lan {
  const l = Lan.create(n);
  lans.push(l);
  return l;
}

type Status = { size: number; peers: number; clients: string[] };
type List = { nodes: string[] };
type SendResult = { recipients: string[]; unroutable: string[]; failed: { hop: string; error: { code: string } }[] };

/** Collects the message stream of node k until stopped. */
function follow(l: Lan, k: number): { got: Record<string, unknown>[]; stop(): Promise<void>; opened: Promise<void> } {
  const ac = new AbortController();
  const got: Record<string, unknown>[] = [];
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const done = meshStream(l.node(k).http, (line) => got.push(JSON.parse(line) as Record<string, unknown>), { signal: ac.signal, onOpen: open });
  return {
    got,
    opened,
    stop: async () => {
      ac.abort();
      await done;
    },
  };
}

describe("meshage in network namespaces", () => {
  it("5 nodes with degree 2 find each other by UDP solicitation; another namespace stays apart", async () => {
    const l = lan(6);
    for (let k = 1; k <= 5; k++) await l.start(k, ["--degree", "2", "--msa", "1"]);
    await l.start(6, ["--degree", "1", "--msa", "1", "--namespace", "other"]);
    await vi.waitFor(
      async () => {
        for (let k = 1; k <= 5; k++) expect((await l.api<List>(k, "GET", "/v1/mesh/list?mode=all")).nodes).toHaveLength(5);
      },
      { timeout: 60_000, interval: 500 },
    );
    for (let k = 1; k <= 5; k++) expect((await l.api<Status>(k, "GET", "/v1/mesh/status")).peers).toBeGreaterThanOrEqual(2);
    expect((await l.api<Status>(6, "GET", "/v1/mesh/status")).peers).toBe(0);
    // solicitations went to the interface's broadcast address (10.77.0.255), not 255.255.255.255
    expect(l.node(1).logs.find((r) => r.msg === "mesh listening")?.broadcast).toEqual(["10.77.0.255"]);
  }, 90_000);

  it("a 3-node line forwards a Set from node 3 to node 1 through node 2", async () => {
    const l = lan(3);
    await l.start(1, ["--msa", "1"]);
    await l.start(3, ["--msa", "1"]);
    await l.start(2, ["--msa", "1", "--dial", "10.77.0.1", "--dial", "10.77.0.3"]);
    await vi.waitFor(async () => expect((await l.api<List>(3, "GET", "/v1/mesh/list?mode=all")).nodes).toEqual(["10.77.0.1", "10.77.0.2", "10.77.0.3"]), { timeout: 20_000, interval: 200 });
    const s1 = follow(l, 1);
    await s1.opened;
    const r = await l.api<SendResult>(3, "POST", "/v1/mesh/send", { to: "10.77.0.1", body: "three-to-one" });
    expect(r).toEqual({ recipients: ["10.77.0.1"], unroutable: [], failed: [] });
    await vi.waitFor(() => expect(s1.got).toHaveLength(1), { timeout: 10_000 });
    expect(s1.got[0]).toMatchObject({ source: "10.77.0.3", from: "10.77.0.2", route: ["10.77.0.3", "10.77.0.2", "10.77.0.1"], body: { type: "string", value: "three-to-one" } });
    await s1.stop();
  }, 60_000);

  it("10 nodes: broadcast reaches all; a killed node is pruned everywhere; a Set to it fails at once", async () => {
    const l = lan(10);
    await l.start(1, ["--msa", "1"]);
    for (let k = 2; k <= 10; k++) await l.start(k, ["--msa", "1", "--dial", `10.77.0.${k <= 4 ? 1 : k - 3}`]); // a tree with some depth
    await vi.waitFor(
      async () => {
        for (let k = 1; k <= 10; k++) expect((await l.api<List>(k, "GET", "/v1/mesh/list?mode=all")).nodes).toHaveLength(10);
      },
      { timeout: 60_000, interval: 500 },
    );
    const streams = Array.from({ length: 9 }, (_, i) => follow(l, i + 2));
    await Promise.all(streams.map((s) => s.opened));
    const r = await l.api<SendResult>(1, "POST", "/v1/mesh/send", { to: "all", body: "to everyone" });
    expect(r.recipients.sort()).toEqual(Array.from({ length: 9 }, (_, i) => `10.77.0.${i + 2}`).sort());
    await vi.waitFor(() => expect(streams.every((s) => s.got.length === 1)).toBe(true), { timeout: 10_000 });
    for (const s of streams) await s.stop();

    // node 10 hangs off node 7; kill it: everyone drops it within a couple of MSA periods
    await l.kill(10);
    await vi.waitFor(
      async () => {
        for (let k = 1; k <= 9; k++) expect((await l.api<List>(k, "GET", "/v1/mesh/list?mode=all")).nodes).not.toContain("10.77.0.10");
      },
      { timeout: 20_000, interval: 250 },
    );
    // node 4 is a leaf of node 1: kill it and send to it at once; node 1's link is gone or fails fast
    await l.kill(4);
    const t0 = performance.now();
    const r4 = await l.api<SendResult>(1, "POST", "/v1/mesh/send", { to: "10.77.0.4", body: "anyone?" });
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(r4.recipients.length === 0 || r4.failed.length === 1).toBe(true);
  }, 120_000);
});
