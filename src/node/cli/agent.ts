// `gossamer agent`: serf-style flags (and GOSSAMER_* env vars mirroring them; flags win) -> startAgent().
// Leaves gracefully on SIGINT/SIGTERM (a second signal exits at once).
import os from "node:os";
import { startAgent, AGENT_DEFAULT_DELEGATE_VERSIONS, type AgentOptions } from "../agent.ts";
import { createLogger, isLogLevel, type LogLevel } from "../log.ts";
import type { ProfileName } from "../../memberlist/config.ts";

export const summary = "run a memberlist/Serf-compatible member (--node --bind --join --encrypt --tag --http ...)";

const USAGE = `usage: gossamer agent [flags]
  --node NAME              node name (GOSSAMER_NODE; default: hostname)
  --bind HOST:PORT         UDP+TCP bind address (GOSSAMER_BIND; default 0.0.0.0:7946)
  --advertise HOST:PORT    address others use (GOSSAMER_ADVERTISE)
  --join HOST:PORT         join at start; repeatable (GOSSAMER_JOIN, comma-separated)
  --encrypt BASE64KEY      16/24/32-byte key (GOSSAMER_ENCRYPT; see gossamer keygen)
  --label L                memberlist label (GOSSAMER_LABEL; not understood by memberlist < 0.3.0)
  --profile lan|wan|local  timing profile (GOSSAMER_PROFILE; default lan)
  --tag K=V                node tag, Serf format; repeatable (GOSSAMER_TAGS, comma-separated)
  --http HOST:PORT         admin API: GET /v1/members, GET /healthz (GOSSAMER_HTTP)
  --delegate-versions MIN,MAX,CUR  default ${AGENT_DEFAULT_DELEGATE_VERSIONS.join(",")} (Serf); 0,0,0 for plain memberlist (GOSSAMER_DELEGATE_VERSIONS)
  --log-level debug|info|warn|error  (GOSSAMER_LOG_LEVEL; default info)`;

export class UsageError extends Error {}

export interface ParsedAgentFlags {
  node: string;
  bind: string;
  advertise?: string;
  join: string[];
  encrypt?: Uint8Array;
  label: string;
  profile: ProfileName;
  tags: Record<string, string>;
  http?: string;
  delegateVersions: [number, number, number];
  logLevel: LogLevel;
}

const REPEATABLE = new Set(["join", "tag"]);
const KNOWN = new Set(["node", "bind", "advertise", "join", "encrypt", "label", "profile", "tag", "http", "delegate-versions", "log-level"]);

/** Parses flags over env defaults. Throws UsageError with a one-line reason. */
export function parseAgentFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): ParsedAgentFlags {
  const single = new Map<string, string>();
  const multi = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("-")) throw new UsageError(`unexpected argument ${JSON.stringify(a)}`);
    const body = a.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq >= 0 ? body.slice(0, eq) : body;
    if (name === "help" || name === "h") throw new UsageError("");
    if (!KNOWN.has(name)) throw new UsageError(`unknown flag --${name}`);
    let value: string | undefined = eq >= 0 ? body.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`flag --${name} needs a value`);
    if (REPEATABLE.has(name)) multi.set(name, [...(multi.get(name) ?? []), value]);
    else single.set(name, value);
  }
  const pick = (flag: string, envName: string): string | undefined => single.get(flag) ?? (env[envName] || undefined);
  const list = (flag: string, envName: string): string[] =>
    multi.get(flag) ?? (env[envName] ? env[envName]!.split(",").map((s) => s.trim()).filter(Boolean) : []);

  const profile = pick("profile", "GOSSAMER_PROFILE") ?? "lan";
  if (profile !== "lan" && profile !== "wan" && profile !== "local") throw new UsageError(`--profile must be lan, wan or local`);
  const logLevel = pick("log-level", "GOSSAMER_LOG_LEVEL") ?? "info";
  if (!isLogLevel(logLevel)) throw new UsageError(`--log-level must be debug, info, warn or error`);

  const tags: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const t of list("tag", "GOSSAMER_TAGS")) {
    const eq = t.indexOf("=");
    if (eq <= 0) throw new UsageError(`--tag must be K=V, got ${JSON.stringify(t)}`);
    tags[t.slice(0, eq)] = t.slice(eq + 1);
  }

  let encrypt: Uint8Array | undefined;
  const key = pick("encrypt", "GOSSAMER_ENCRYPT");
  if (key !== undefined) {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key)) throw new UsageError("--encrypt must be base64");
    encrypt = new Uint8Array(Buffer.from(key, "base64"));
    if (![16, 24, 32].includes(encrypt.length)) throw new UsageError(`--encrypt key must decode to 16, 24 or 32 bytes (got ${encrypt.length})`);
  }

  let delegateVersions = AGENT_DEFAULT_DELEGATE_VERSIONS;
  const dv = pick("delegate-versions", "GOSSAMER_DELEGATE_VERSIONS");
  if (dv !== undefined) {
    const parts = dv.split(",").map((s) => Number(s.trim()));
    if (parts.length !== 3 || parts.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) {
      throw new UsageError("--delegate-versions must be three bytes MIN,MAX,CUR");
    }
    delegateVersions = parts as [number, number, number];
  }

  const label = pick("label", "GOSSAMER_LABEL") ?? "";
  if (Buffer.byteLength(label) > 255) throw new UsageError("--label must be at most 255 bytes");

  const advertise = pick("advertise", "GOSSAMER_ADVERTISE");
  const http = pick("http", "GOSSAMER_HTTP");
  return {
    node: pick("node", "GOSSAMER_NODE") ?? os.hostname(),
    bind: pick("bind", "GOSSAMER_BIND") ?? "0.0.0.0:7946",
    ...(advertise ? { advertise } : {}),
    join: list("join", "GOSSAMER_JOIN"),
    ...(encrypt ? { encrypt } : {}),
    label,
    profile,
    tags,
    ...(http ? { http } : {}),
    delegateVersions,
    logLevel,
  };
}

export async function run(argv: string[]): Promise<number> {
  let flags: ParsedAgentFlags;
  try {
    flags = parseAgentFlags(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      if (err.message) console.error(`agent: ${err.message}`);
      console.error(USAGE);
      return err.message ? 2 : 0;
    }
    throw err;
  }
  const logger = createLogger({ level: flags.logLevel, bindings: { node: flags.node } });
  const opts: AgentOptions = {
    node: flags.node,
    bind: flags.bind,
    ...(flags.advertise ? { advertise: flags.advertise } : {}),
    join: flags.join,
    ...(flags.encrypt ? { encryptKey: flags.encrypt } : {}),
    label: flags.label,
    profile: flags.profile,
    tags: flags.tags,
    ...(flags.http ? { http: flags.http } : {}),
    delegateVersions: flags.delegateVersions,
    logger,
  };
  let agent;
  try {
    agent = await startAgent(opts);
  } catch (err) {
    logger.error({ err: (err as Error).message }, "agent failed to start");
    return 1;
  }
  const a = agent.transport.advertise();
  logger.info(
    { bind: flags.bind, advertise: `${a.host.includes(":") ? `[${a.host}]` : a.host}:${a.port}`, port: agent.transport.bound().port, http: agent.http?.address() ?? null, profile: flags.profile },
    "agent running",
  );

  return await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        logger.warn({ signal }, "second signal: exiting now");
        resolve(1);
        return;
      }
      stopping = true;
      logger.info({ signal }, "leaving cluster");
      agent
        .leave()
        .catch((err: unknown) => logger.warn({ err: (err as Error).message }, "leave failed"))
        .then(() => agent.shutdown())
        .then(
          () => {
            logger.info({}, "agent stopped");
            resolve(0);
          },
          (err: unknown) => {
            logger.error({ err: (err as Error).message }, "shutdown failed");
            resolve(1);
          },
        );
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
  }).then((code) => {
    // Leftover timers must not keep a stopped agent alive.
    setTimeout(() => process.exit(code), 50).unref();
    return code;
  });
}
