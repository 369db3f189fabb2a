// `gossamer mesh`: a meshage node wire-compatible with minimega (docs/protocols/meshage.md), and
// minimega's `mesh` operations as subcommands that talk to a running node's admin API:
//   gossamer mesh --name N [--namespace NS] [--degree K] [--port 9000] [--broadcast IP]... [--msa SECS]
//                 [--dial HOST]... [--http HOST:PORT|unix:PATH] [--timeout SECS] [--log-level L]
//   gossamer mesh status|degree [K]|dial HOST|hangup HOST|list [all|peers]|timeout [SECS]|dot [FILE]|
//                 send TARGETS TEXT...|watch   --http HOST:PORT|unix:PATH
// Flags win over env vars (GOSSAMER_MESH_*), both over a --config file. Logs on stdout (JSON lines, or
// human-readable on a terminal); SIGINT/SIGTERM/SIGHUP and the death of the parent process close every
// link (daemon.ts).
import os from "node:os";
import { writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { DEFAULT_MSA_PERIOD_MS, DEFAULT_NAMESPACE, DEFAULT_PORT, DEFAULT_TIMEOUT_MS } from "../../mesh/index.ts";
import { isLogLevel, type LogLevel } from "../../util/index.ts";
import { nodePlatform } from "../platform.ts";
import { startMeshNode } from "../mesh-node.ts";
import { meshRequest, meshStream } from "../mesh-client.ts";
import type { LogFormat } from "../log.ts";
import { exitSoon, runDaemon } from "./daemon.ts";
import { logFormatOf, parseFlags, reportUsage, UsageError, type FlagSpec } from "./flags.ts";

export { UsageError };

export const summary = "run a minimega-compatible meshage node (--name --degree --dial --http ...), or talk to one (status, send ...)";

const USAGE = `usage: gossamer mesh [flags]                 run a node
       gossamer mesh <operation> --http ADDR    talk to a running node
node flags:
  --name NAME            node name, unique in the mesh; peers dial it (GOSSAMER_MESH_NAME; default: hostname)
  --namespace NS         solicitation namespace, minimega's -context (GOSSAMER_MESH_NAMESPACE; default ${DEFAULT_NAMESPACE})
  --degree K             links to solicit for over UDP; 0 never solicits (GOSSAMER_MESH_DEGREE; default 0)
  --port PORT            mesh port, TCP and UDP (GOSSAMER_MESH_PORT; default ${DEFAULT_PORT})
  --broadcast IP         solicitation address; repeatable (GOSSAMER_MESH_BROADCAST, comma-separated;
                         default: the broadcast address of every IPv4 interface)
  --msa SECS             MSA period; links time out after 2 periods (GOSSAMER_MESH_MSA; default ${DEFAULT_MSA_PERIOD_MS / 1000})
  --timeout SECS         per-hop ACK and dial timeout (GOSSAMER_MESH_TIMEOUT; default ${DEFAULT_TIMEOUT_MS / 1000})
  --dial HOST            connect at start (retried until it succeeds); repeatable (GOSSAMER_MESH_DIAL)
  --http HOST:PORT       admin API, or unix:/path (GOSSAMER_MESH_HTTP)
  --log-level L          debug|info|warn|error (GOSSAMER_LOG_LEVEL; default info)
  --log-format F         auto|json|pretty: auto is human-readable on a terminal, JSON otherwise (GOSSAMER_LOG_FORMAT)
  --config FILE          node flags from a JSON (.json) or TOML file, keys = flag names (GOSSAMER_CONFIG)
operations (minimega's mesh commands; --http or GOSSAMER_MESH_HTTP names the node):
  status                 size, degree, peers, context, port
  degree [K]             show or set the degree
  dial HOST              connect to another node
  hangup HOST            disconnect from a neighbour
  list [all|peers]       adjacency list, or the names of all nodes / all but this one
  timeout [SECS]         show or set the per-hop timeout
  dot [FILE]             Graphviz drawing of the mesh (to FILE when given)
  send TARGETS TEXT...   send TEXT to names, ranges (kn[1-3]) or all
  watch                  print received messages as JSON lines until interrupted`;

export interface MeshFlags {
  name: string;
  namespace: string;
  degree: number;
  port: number;
  broadcast: string[];
  msaSeconds: number;
  timeoutSeconds: number;
  dial: string[];
  http?: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
}

const FLAGS: Record<string, FlagSpec> = {
  name: { env: ["GOSSAMER_MESH_NAME"] },
  namespace: { env: ["GOSSAMER_MESH_NAMESPACE"] },
  degree: { env: ["GOSSAMER_MESH_DEGREE"] },
  port: { env: ["GOSSAMER_MESH_PORT"] },
  broadcast: { env: ["GOSSAMER_MESH_BROADCAST"], repeatable: true },
  msa: { env: ["GOSSAMER_MESH_MSA"] },
  timeout: { env: ["GOSSAMER_MESH_TIMEOUT"] },
  dial: { env: ["GOSSAMER_MESH_DIAL"], repeatable: true },
  http: { env: ["GOSSAMER_MESH_HTTP"] },
  "log-level": { env: ["GOSSAMER_LOG_LEVEL"] },
  "log-format": { env: ["GOSSAMER_LOG_FORMAT"] },
};

function seconds(v: string | undefined, flag: string, dflt: number): number {
  if (v === undefined) return dflt;
  const x = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || !(x > 0)) throw new UsageError(`--${flag} must be a positive number of seconds`);
  return x;
}

export function parseMeshFlags(argv: string[], env: Record<string, string | undefined> = process.env): MeshFlags {
  const f = parseFlags(argv, FLAGS, env);
  const name = f.value("name") ?? os.hostname();
  if (name === "" || name.includes(":")) throw new UsageError("--name must be non-empty and contain no ':'");
  const namespace = f.value("namespace") ?? DEFAULT_NAMESPACE;
  if (namespace.includes(":")) throw new UsageError("--namespace must not contain ':'");
  const degreeS = f.value("degree") ?? "0";
  if (!/^\d{1,6}$/.test(degreeS)) throw new UsageError("--degree must be a non-negative integer");
  const portS = f.value("port") ?? String(DEFAULT_PORT);
  if (!/^\d{1,5}$/.test(portS) || Number(portS) > 65535) throw new UsageError("--port must be a port number");
  const broadcast = f.list("broadcast").flatMap((b) => b.split(",")).map((b) => b.trim()).filter(Boolean);
  for (const b of broadcast) if (isIP(b) !== 4) throw new UsageError(`--broadcast must be an IPv4 address, got ${JSON.stringify(b)}`);
  const logLevel = f.value("log-level") ?? "info";
  if (!isLogLevel(logLevel)) throw new UsageError("--log-level must be debug, info, warn or error");
  const http = f.value("http");
  return {
    name,
    namespace,
    degree: Number(degreeS),
    port: Number(portS),
    broadcast,
    msaSeconds: seconds(f.value("msa"), "msa", DEFAULT_MSA_PERIOD_MS / 1000),
    timeoutSeconds: seconds(f.value("timeout"), "timeout", DEFAULT_TIMEOUT_MS / 1000),
    dial: f.list("dial").flatMap((d) => d.split(",")).map((d) => d.trim()).filter(Boolean),
    ...(http !== undefined ? { http } : {}),
    logLevel,
    logFormat: logFormatOf(f),
  };
}

async function runNode(argv: string[]): Promise<number> {
  let flags: MeshFlags;
  try {
    flags = parseMeshFlags(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return reportUsage(e, "gossamer mesh", USAGE);
  }
  const platform = nodePlatform({ logLevel: flags.logLevel, logFormat: flags.logFormat, bindings: { command: "mesh" } });
  const logger = platform.logger;
  const running = await startMeshNode(platform, {
    name: flags.name,
    namespace: flags.namespace,
    degree: flags.degree,
    msaPeriodMs: flags.msaSeconds * 1000,
    timeoutMs: flags.timeoutSeconds * 1000,
    dial: flags.dial,
    transport: { port: flags.port, ...(flags.broadcast.length > 0 ? { broadcast: flags.broadcast } : {}) },
    ...(flags.http ? { http: flags.http } : {}),
  });
  logger.info({ name: flags.name, port: running.transport.port, broadcast: running.transport.broadcast, http: running.admin?.address ?? null }, "mesh listening");
  const daemon = runDaemon({
    logger,
    stop: async (reason) => {
      logger.info({ reason }, "mesh shutting down");
      await running.close();
    },
  });
  return exitSoon(await daemon.done);
}

const OPERATIONS = new Set(["status", "degree", "dial", "hangup", "list", "timeout", "dot", "send", "watch"]);

/** Splits `op args... --http X` into the positional args and the admin address. */
function clientArgs(argv: string[], env: Record<string, string | undefined>): { args: string[]; http: string } {
  const args: string[] = [];
  let http = env.GOSSAMER_MESH_HTTP;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--http" || a === "-http") http = argv[++i];
    else if (a.startsWith("--http=")) http = a.slice(7);
    else if (a === "--help" || a === "-h") throw new UsageError("");
    else args.push(a);
  }
  if (!http) throw new UsageError("--http (or GOSSAMER_MESH_HTTP) must name the node's admin API");
  return { args, http };
}

export async function runOperation(op: string, argv: string[], env: Record<string, string | undefined> = process.env, out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const { args, http } = clientArgs(argv, env);
  const need = (n: number, what: string) => {
    if (args.length < n) throw new UsageError(`${op} needs ${what}`);
  };
  switch (op) {
    case "status": {
      const s = (await meshRequest(http, "GET", "/v1/mesh/status")) as Record<string, unknown>;
      const cols = ["size", "degree", "peers", "context", "port"];
      const vals = cols.map((c) => String(s[c]));
      const w = cols.map((c, i) => Math.max(c.length, vals[i]!.length));
      out(`${cols.map((c, i) => c.padEnd(w[i]!)).join(" | ")}\n${vals.map((v, i) => v.padEnd(w[i]!)).join(" | ")}\n`);
      return 0;
    }
    case "degree":
    case "timeout": {
      const path = `/v1/mesh/${op}`;
      const key = op === "degree" ? "degree" : "timeoutSeconds";
      const r = (args[0] !== undefined ? await meshRequest(http, "PUT", path, { [key]: Number(args[0]) }) : await meshRequest(http, "GET", path)) as Record<string, number>;
      if (args[0] === undefined) out(op === "degree" ? `${r.degree}\n` : `${r.timeoutSeconds}s\n`);
      return 0;
    }
    case "dial": {
      need(1, "a HOST");
      const r = (await meshRequest(http, "POST", "/v1/mesh/dial", { host: args[0] })) as { name: string };
      out(`${r.name}\n`);
      return 0;
    }
    case "hangup":
      need(1, "a HOST");
      await meshRequest(http, "POST", "/v1/mesh/hangup", { host: args[0] });
      return 0;
    case "list": {
      const mode = args[0] ?? "";
      if (mode !== "" && mode !== "all" && mode !== "peers") throw new UsageError("list takes all or peers");
      const r = (await meshRequest(http, "GET", `/v1/mesh/list${mode ? `?mode=${mode}` : ""}`)) as { nodes?: string[]; mesh?: Record<string, string[]> };
      if (r.nodes) out(`${r.nodes.join(",")}\n`);
      else for (const [k, v] of Object.entries(r.mesh ?? {})) out(`${k}\n${v.map((x) => ` |--${x}\n`).join("")}`);
      return 0;
    }
    case "dot": {
      const text = (await meshRequest(http, "GET", "/v1/mesh/dot")) as string;
      if (args[0]) writeFileSync(args[0], text);
      else out(`${text}\n`);
      return 0;
    }
    case "send": {
      need(2, "TARGETS and TEXT");
      const r = (await meshRequest(http, "POST", "/v1/mesh/send", { to: args[0], body: args.slice(1).join(" ") })) as {
        recipients: string[];
        unroutable: string[];
        failed: { hop: string; recipients: string[]; error: { code: string; message: string } }[];
      };
      out(`${JSON.stringify(r)}\n`);
      return r.failed.length > 0 || r.unroutable.length > 0 ? 1 : 0;
    }
    case "watch":
      await meshStream(http, (line) => out(`${line}\n`));
      return 0;
    default:
      throw new UsageError(`unknown operation ${op}`);
  }
}

export async function run(argv: string[]): Promise<number | void> {
  const op = argv[0];
  if (op === undefined || op.startsWith("-")) return runNode(argv);
  if (!OPERATIONS.has(op)) return reportUsage(new UsageError(`unknown operation ${JSON.stringify(op)}`), "gossamer mesh", USAGE);
  try {
    return await runOperation(op, argv.slice(1));
  } catch (e) {
    if (e instanceof UsageError) return reportUsage(e, `gossamer mesh ${op}`, USAGE);
    console.error(`gossamer mesh ${op}: ${(e as Error).message}`);
    return 1;
  }
}
