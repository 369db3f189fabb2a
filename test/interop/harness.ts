// Interop harness: builds our Go test peer against Debian's memberlist 0.2.2 (GOPATH mode, docs/protocols/memberlist.md §16.2),
// spawns Go peers, serf agents and gossamer agents as real processes on loopback, reads their JSON lines,
// and waits with bounded timeouts. Missing toolchains are a FAILURE with a clear message, never a skip.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, copyFileSync, statSync } from "node:fs";
import dgram from "node:dgram";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { waitUntil, withTimeout } from "../helpers/wait.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, "../..");
const gopath = path.join(here, ".gopath");
export const peerBin = path.join(gopath, "bin", "mlpeer");

const INSTALL_HINT =
  "install it with: apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y golang-go golang-github-hashicorp-memberlist-dev serf";

/** Builds test/interop/peer/main.go into .gopath/bin/mlpeer (GOPATH mode against /usr/share/gocode). */
export function buildGoPeer(): string {
  requireGo();
  if (!existsSync("/usr/share/gocode/src/github.com/hashicorp/memberlist")) {
    throw new Error(`interop: Debian's memberlist sources are missing (/usr/share/gocode/src/github.com/hashicorp/memberlist); ${INSTALL_HINT}`);
  }
  const src = path.join(here, "peer", "main.go");
  const pkg = path.join(gopath, "src", "mlpeer");
  mkdirSync(pkg, { recursive: true });
  mkdirSync(path.join(gopath, "bin"), { recursive: true });
  const dst = path.join(pkg, "main.go");
  const stale = !existsSync(peerBin) || !existsSync(dst) || statSync(src).mtimeMs > statSync(peerBin).mtimeMs;
  if (!stale) return peerBin;
  copyFileSync(src, dst);
  const r = spawnSync("go", ["build", "-o", peerBin, "."], {
    cwd: pkg,
    encoding: "utf8",
    env: { ...process.env, GO111MODULE: "off", GOPATH: `${gopath}:/usr/share/gocode`, GOCACHE: path.join(gopath, ".gocache"), GOFLAGS: "" },
    timeout: 170_000,
  });
  if (r.status !== 0) throw new Error(`interop: building the Go test peer failed:\n${r.stderr}${r.stdout}`);
  return peerBin;
}

/** Fails (never skips) with an install hint when `go` is not on PATH. */
export function requireGo(env: NodeJS.ProcessEnv = process.env): void {
  const go = spawnSync("go", ["version"], { encoding: "utf8", env });
  if (go.error || go.status !== 0) throw new Error(`interop: the Go toolchain is missing ('go version' failed); ${INSTALL_HINT}`);
}

/** The serf binary (Debian's serf 0.9.4), or a clear failure. */
export function requireSerf(env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync("serf", ["version"], { encoding: "utf8", env });
  if (r.error || r.status !== 0) throw new Error(`interop: the serf agent is missing ('serf version' failed); ${INSTALL_HINT}`);
  return "serf";
}

/** A port free for both TCP and UDP on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const srv = net.createServer();
    const port = await new Promise<number>((resolve, reject) => {
      srv.once("error", reject);
      srv.listen(0, "127.0.0.1", () => resolve((srv.address() as net.AddressInfo).port));
    });
    const u = dgram.createSocket("udp4");
    const ok = await new Promise<boolean>((resolve) => {
      u.once("error", () => resolve(false));
      u.bind(port, "127.0.0.1", () => resolve(true));
    });
    await new Promise<void>((r) => srv.close(() => r()));
    if (ok) {
      await new Promise<void>((r) => u.close(() => r()));
      return port;
    }
  }
  throw new Error("no free port");
}

/** Polls `probe` until it returns a value (not undefined/false): the shared waitUntil at 100 ms intervals. */
export function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  return waitUntil(what, probe, { timeout: timeoutMs, interval: 100 }) as Promise<T>;
}

const children = new Set<ChildProcess>();

/** Kills every process this harness started (SIGKILL; call in afterAll). */
export async function killAll(): Promise<void> {
  const waits: Promise<void>[] = [];
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      waits.push(new Promise((r) => c.once("exit", () => r())));
      c.kill("SIGKILL");
    }
  }
  children.clear();
  await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, 5_000))]);
}

/** A process whose stdout is JSON lines (our Go peer, a gossamer agent). */
export class JsonProc {
  readonly proc: ChildProcess;
  readonly lines: Record<string, unknown>[] = [];
  stderr = "";
  readonly label: string;
  constructor(label: string, cmd: string, args: string[], env?: NodeJS.ProcessEnv) {
    this.label = label;
    this.proc = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"], env: env ?? process.env });
    children.add(this.proc);
    let buf = "";
    this.proc.stdout!.setEncoding("utf8");
    this.proc.stdout!.on("data", (d: string) => {
      buf += d;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          /* non-JSON noise */
        }
      }
    });
    this.proc.stderr!.setEncoding("utf8");
    this.proc.stderr!.on("data", (d: string) => {
      this.stderr = (this.stderr + d).slice(-200_000);
    });
    this.proc.stdin!.on("error", () => {});
  }
  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }
  send(line: string): void {
    this.proc.stdin!.write(`${line}\n`);
  }
  find(pred: (l: Record<string, unknown>) => boolean): Record<string, unknown> | undefined {
    return this.lines.find(pred);
  }
  waitLine(what: string, timeoutMs: number, pred: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    return waitFor(`${this.label}: ${what}`, timeoutMs, () => {
      const l = this.lines.find(pred);
      if (l) return l;
      if (!this.alive) throw new Error(`${this.label} exited (${this.proc.exitCode ?? this.proc.signalCode}); stderr tail: ${this.stderr.slice(-2000)}`);
      return undefined;
    });
  }
  kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (!this.alive) return Promise.resolve();
    const done = new Promise<void>((r) => this.proc.once("exit", () => r()));
    this.proc.kill(signal);
    return done;
  }
  exited(timeoutMs: number): Promise<number | null> {
    if (!this.alive) return Promise.resolve(this.proc.exitCode);
    return withTimeout(new Promise<number | null>((r) => this.proc.once("exit", (code) => r(code))), `${this.label} to exit`, timeoutMs);
  }
}

export interface GoMember {
  name: string;
  addr: string;
  port: number;
  state: number;
  meta: string;
  vsn: number[];
}

/**
 * Our Go memberlist 0.2.2 test peer (test/interop/peer/main.go). Local profile, except a 5 s TCP timeout
 * (instead of 1 s) so joins and push/pulls survive a loaded 2-core machine; probing is unaffected.
 */
export class GoPeer extends JsonProc {
  port = 0;
  readonly name: string;
  readonly host: string;
  constructor(name: string, args: string[], host = "127.0.0.1") {
    super(`go:${name}`, peerBin, ["-name", name, "-bind", host, "-port", "0", "-duration", "300s", "-tcptimeout", "5s", ...args]);
    this.name = name;
    this.host = host;
  }
  async ready(timeoutMs = 10_000): Promise<this> {
    const l = await this.waitLine("ready", timeoutMs, (x) => x["ev"] === "ready");
    this.port = Number(l["port"]);
    return this;
  }
  get addr(): string {
    return this.host.includes(":") ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`;
  }
  /** Latest member list it printed. */
  members(): GoMember[] {
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const l = this.lines[i]!;
      if (l["ev"] === "members") return l["members"] as GoMember[];
    }
    return [];
  }
  messages(): string[] {
    return this.lines.filter((l) => l["ev"] === "msg").map((l) => String(l["data"]));
  }
  static async start(name: string, args: string[] = [], host?: string): Promise<GoPeer> {
    return new GoPeer(name, args, host).ready();
  }
}

/** A `gossamer agent` process (bin/gossamer.js run by the Node 22 running the tests). */
export class AgentProc extends JsonProc {
  port = 0;
  httpPort = 0;
  readonly node: string;
  constructor(node: string, args: string[], env?: NodeJS.ProcessEnv) {
    super(`agent:${node}`, process.execPath, [path.join(repoRoot, "bin", "gossamer.js"), "agent", "--node", node, ...args], env);
    this.node = node;
  }
  async running(timeoutMs = 10_000): Promise<this> {
    const l = await this.waitLine("agent running", timeoutMs, (x) => x["msg"] === "agent running");
    this.port = Number(l["port"]);
    const http = l["http"] as { port: number } | null;
    if (http) this.httpPort = http.port;
    return this;
  }
  get addr(): string {
    return `127.0.0.1:${this.port}`;
  }
  async members(): Promise<Array<{ name: string; state: string; tags: Record<string, string> | null; port: number; address: string; incarnation: number; protocol: { min: number; max: number; cur: number }; delegate: { min: number; max: number; cur: number } }>> {
    const r = await fetch(`http://127.0.0.1:${this.httpPort}/v1/members`);
    const j = (await r.json()) as { members: Awaited<ReturnType<AgentProc["members"]>> };
    return j.members;
  }
  /** Sum of the samples of a metric on the agent's /metrics whose labels include `labels`. */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${this.httpPort}/metrics`)).text();
    let sum = 0;
    for (const line of text.split("\n")) {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const have = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
      if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
    }
    return sum;
  }
}

/** Runs `serf members -format json` against an agent's RPC address. */
export function serfMembers(rpc: string): Array<{ name: string; addr: string; status: string; tags: Record<string, string> }> {
  const r = spawnSync("serf", ["members", `-rpc-addr=${rpc}`, "-format=json"], { encoding: "utf8", timeout: 10_000 });
  if (r.status !== 0) throw new Error(`serf members failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { members: Array<{ name: string; addr: string; status: string; tags: Record<string, string> }> }).members;
}
