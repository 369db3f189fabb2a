// Builds and drives our Go gossiphttp peer (test/interop/ckitpeer/main.go): Debian's memberlist 0.2.2 on
// an HTTP/2 (h2c) transport written from docs/protocols/ckit.md, built in GOPATH mode like
// the memberlist peer. Missing toolchain or packages are a failure with an install hint, never a skip.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { JsonProc, requireGo } from "./harness.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const gopath = path.join(here, ".gopath");
export const ckitPeerBin = path.join(gopath, "bin", "ckitpeer");

const HINT =
  "install it with: apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y golang-go golang-github-hashicorp-memberlist-dev golang-golang-x-net-dev";

export function buildCkitPeer(): string {
  requireGo();
  for (const dir of ["github.com/hashicorp/memberlist", "golang.org/x/net/http2/h2c"]) {
    if (!existsSync(`/usr/share/gocode/src/${dir}`)) throw new Error(`interop: /usr/share/gocode/src/${dir} is missing; ${HINT}`);
  }
  const src = path.join(here, "ckitpeer", "main.go");
  const pkg = path.join(gopath, "src", "ckitpeer");
  mkdirSync(pkg, { recursive: true });
  mkdirSync(path.join(gopath, "bin"), { recursive: true });
  const dst = path.join(pkg, "main.go");
  if (existsSync(ckitPeerBin) && existsSync(dst) && statSync(src).mtimeMs <= statSync(ckitPeerBin).mtimeMs) return ckitPeerBin;
  copyFileSync(src, dst);
  const r = spawnSync("go", ["build", "-o", ckitPeerBin, "."], {
    cwd: pkg,
    encoding: "utf8",
    env: { ...process.env, GO111MODULE: "off", GOPATH: `${gopath}:/usr/share/gocode`, GOCACHE: path.join(gopath, ".gocache"), GOFLAGS: "" },
    timeout: 170_000,
  });
  if (r.status !== 0) throw new Error(`interop: building the Go gossiphttp peer failed:\n${r.stderr}${r.stdout}`);
  return ckitPeerBin;
}

export interface CkitGoMember {
  name: string;
  addr: string;
  state: number;
}

/** A running Go gossiphttp peer. */
export class CkitGoPeer extends JsonProc {
  port = 0;
  readonly name: string;
  constructor(name: string, args: string[] = []) {
    super(`ckitgo:${name}`, ckitPeerBin, ["-name", name, "-bind", "127.0.0.1", "-duration", "300s", ...args]);
    this.name = name;
  }
  static async start(name: string, args: string[] = []): Promise<CkitGoPeer> {
    const p = new CkitGoPeer(name, args);
    const l = await p.waitLine("ready", 10_000, (x) => x["ev"] === "ready");
    p.port = Number(l["port"]);
    return p;
  }
  get addr(): string {
    return `127.0.0.1:${this.port}`;
  }
  members(): CkitGoMember[] {
    for (let i = this.lines.length - 1; i >= 0; i--) if (this.lines[i]!["ev"] === "members") return this.lines[i]!["members"] as CkitGoMember[];
    return [];
  }
  aliveMembers(): string[] {
    return this.members().filter((m) => m.state === 0).map((m) => m.name).sort();
  }
  messages(): string[] {
    return this.lines.filter((l) => l["ev"] === "msg").map((l) => String(l["data"]));
  }
}
