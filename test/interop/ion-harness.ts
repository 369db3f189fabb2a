// Our Go Gravity ion (test/interop/ion/main.go) for the control-plane interop tests: built in GOPATH mode
// against Debian's memberlist 0.2.2 with the seed's gossip structs (test/gossip/go/gossip, copied in),
// run as a process speaking JSON lines. Also: the agent-side view of a state in the ion's digest form.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { JsonProc, requireGo } from "./harness.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const gopath = path.join(here, ".gopath");
export const ionBin = path.join(gopath, "bin", "gravity-ion");

export function buildIon(): string {
  requireGo();
  const srcs: [string, string][] = [
    [path.join(here, "ion", "main.go"), path.join(gopath, "src", "gravity-ion", "main.go")],
    [path.join(here, "..", "gossip", "go", "gossip", "types.go"), path.join(gopath, "src", "gossamer.test", "gossipref", "gossip", "types.go")],
  ];
  const stale = !existsSync(ionBin) || srcs.some(([s]) => statSync(s).mtimeMs > statSync(ionBin).mtimeMs);
  if (!stale) return ionBin;
  for (const [s, d] of srcs) {
    mkdirSync(path.dirname(d), { recursive: true });
    copyFileSync(s, d);
  }
  mkdirSync(path.dirname(ionBin), { recursive: true });
  const r = spawnSync("go", ["build", "-o", ionBin, "."], {
    cwd: path.dirname(srcs[0]![1]),
    encoding: "utf8",
    env: { ...process.env, GO111MODULE: "off", GOPATH: `${gopath}:/usr/share/gocode`, GOCACHE: path.join(gopath, ".gocache"), GOFLAGS: "" },
    timeout: 170_000,
  });
  if (r.status !== 0) throw new Error(`interop: building the Go ion failed:\n${r.stderr}${r.stdout}`);
  return ionBin;
}

export class Ion extends JsonProc {
  port = 0;
  readonly name: string;
  constructor(name: string, args: string[]) {
    super(`ion:${name}`, ionBin, ["-name", name, "-bind", "127.0.0.1", "-port", "0", "-duration", "600s", "-tcptimeout", "10s", ...args]);
    this.name = name;
  }
  static async start(name: string, args: string[] = []): Promise<Ion> {
    const ion = new Ion(name, args);
    const l = await ion.waitLine("ready", 15_000, (x) => x["ev"] === "ready");
    ion.port = Number(l["port"]);
    return ion;
  }
  get addr(): string {
    return `127.0.0.1:${this.port}`;
  }
  /** Asks for a fresh line of kind `ev` (after `cmd`) and returns it. */
  async ask(cmd: string, ev: string, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const before = this.lines.length;
    this.send(cmd);
    return this.waitLine(ev, timeoutMs, (l) => l["ev"] === ev && this.lines.indexOf(l) >= before);
  }
  async stateLines(): Promise<string[]> {
    return (await this.ask("state", "state"))["lines"] as string[];
  }
  async digest(): Promise<{ count: number; sha256: string }> {
    const d = await this.ask("digest", "digest", 30_000);
    return { count: Number(d["count"]), sha256: String(d["sha256"]) };
  }
}

type Env = { type: number; payload: Record<string, unknown> };

/** The ion's summary line of an envelope ("route 10.0.0.0/8 1700000000 add"). */
export function summaryLine(e: Env): string {
  const p = e.payload;
  switch (e.type) {
    case 1:
      return `endpoint ${String(p["container_id"])} ${Number(p["timestamp"])} add`;
    case 2:
      return `endpoint ${String(p["container_id"])} ${Number(p["timestamp"])} remove`;
    case 3:
      return `nat ${String(p["key"])} ${Number(p["timestamp"])} add`;
    case 4:
      return `vip ${String(p["vip"])} ${Number(p["timestamp"])} add`;
    default:
      return `route ${String(p["subnet"])} ${Number(p["timestamp"])} ${String(p["action"])}`;
  }
}

/** Sorted summary lines of a store reached over HTTP (agent or edge), from GET /v1/state?format=envelopes. */
export async function storeLines(url: string, token?: string): Promise<string[]> {
  const r = await fetch(`${url}/v1/state?format=envelopes`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  if (!r.ok) throw new Error(`GET ${url}/v1/state: ${r.status}`);
  const j = (await r.json()) as { messages: Env[] };
  // Same order as Go's sort.Strings (bytewise on ASCII lines).
  return j.messages.map(summaryLine).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function digestOf(lines: string[]): { count: number; sha256: string } {
  return { count: lines.length, sha256: createHash("sha256").update(lines.join("\n")).digest("hex") };
}
