// A private LAN of network namespaces for multi-node mesh tests on one machine (needs root and
// iproute2): a hub namespace holding a bridge, and one namespace per node with a veth to the bridge and
// the address 10.77.0.<k>/24. Every node uses the real mesh port (9000) on its own address; nothing is
// connected to the root namespace, so nothing leaves the LAN. Names are `meshwt<unique>-...`. Nodes run
// as real `gossamer mesh` processes; their admin APIs are Unix sockets in a temp dir (reachable from
// the test, which stays in the root namespace). destroy() kills the processes it started (by pid) and
// deletes every namespace it made.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { meshRequest } from "../../../src/node/mesh-client.ts";

const bin = fileURLToPath(new URL("../../../bin/gossamer.js", import.meta.url));
let counter = 0;

export interface LanNode {
  k: number;
  name: string;
  ns: string;
  /** Admin API address (unix:...). */
  http: string;
  child: ChildProcess | null;
  logs: Record<string, unknown>[];
}

function ip(...args: string[]): string {
  return execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

export class Lan {
  readonly id: string;
  readonly hub: string;
  readonly nodes: LanNode[] = [];
  private readonly dir: string;

  private constructor(id: string) {
    this.id = id;
    this.hub = `${id}-hub`;
    this.dir = mkdtempSync(path.join(os.tmpdir(), `${id}-`));
  }

  /** Builds the hub and `n` node namespaces (not yet running anything). */
  static create(n: number): Lan {
    const lan = new Lan(`meshwt${process.pid.toString(36)}${(counter++).toString(36)}`);
    try {
      ip("netns", "add", lan.hub);
      ip("-n", lan.hub, "link", "add", "br0", "type", "bridge");
      ip("-n", lan.hub, "link", "set", "br0", "up");
      for (let k = 1; k <= n; k++) lan.addNamespace(k);
    } catch (e) {
      lan.destroy();
      throw e;
    }
    return lan;
  }

  private addNamespace(k: number): LanNode {
    const ns = `${this.id}-n${k}`;
    ip("netns", "add", ns);
    ip("-n", ns, "link", "set", "lo", "up");
    ip("link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", `v${k}`, "netns", this.hub);
    ip("-n", this.hub, "link", "set", `v${k}`, "master", "br0");
    ip("-n", this.hub, "link", "set", `v${k}`, "up");
    ip("-n", ns, "addr", "add", `10.77.0.${k}/24`, "brd", "+", "dev", "eth0");
    ip("-n", ns, "link", "set", "eth0", "up");
    const node: LanNode = { k, name: `10.77.0.${k}`, ns, http: `unix:${path.join(this.dir, `n${k}.sock`)}`, child: null, logs: [] };
    this.nodes.push(node);
    return node;
  }

  node(k: number): LanNode {
    return this.nodes[k - 1]!;
  }

  /** Starts `gossamer mesh` in node k's namespace; resolves once it listens. */
  start(k: number, flags: string[] = []): Promise<LanNode> {
    const node = this.node(k);
    node.logs = [];
    const child = spawn("ip", ["netns", "exec", node.ns, process.execPath, bin, "mesh", "--name", node.name, "--http", node.http, ...flags], { stdio: ["ignore", "pipe", "inherit"] });
    node.child = child;
    return new Promise((resolve, reject) => {
      createInterface({ input: child.stdout! }).on("line", (l) => {
        let rec: Record<string, unknown>;
        try {
          rec = JSON.parse(l) as Record<string, unknown>;
        } catch {
          return;
        }
        node.logs.push(rec);
        if (rec.msg === "mesh listening") resolve(node);
      });
      child.once("exit", (code) => reject(new Error(`node ${node.name} exited (${code})`)));
    });
  }

  /** Kills node k's process (SIGKILL: no goodbye, the kernel closes its sockets). */
  async kill(k: number, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const c = this.node(k).child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill(signal);
    await exited;
  }

  /** One admin API request to node k. */
  api<T = unknown>(k: number, method: string, p: string, body?: unknown): Promise<T> {
    return meshRequest(this.node(k).http, method, p, body) as Promise<T>;
  }

  async destroy(): Promise<void> {
    for (const n of this.nodes) {
      const c = n.child;
      if (c && c.exitCode === null && c.signalCode === null && c.pid !== undefined) {
        const exited = new Promise((r) => c.once("exit", r));
        c.kill("SIGKILL");
        await exited;
      }
    }
    for (const n of this.nodes) {
      try {
        ip("netns", "del", n.ns);
      } catch {
        /* already gone */
      }
    }
    try {
      ip("netns", "del", this.hub);
    } catch {
      /* already gone */
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Namespaces of this LAN still present (for the teardown assertion). */
  leftovers(): string[] {
    return ip("netns", "list")
      .split("\n")
      .map((l) => l.split(" ")[0]!)
      .filter((n) => n.startsWith(this.id));
  }
}
