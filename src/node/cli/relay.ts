// `gossamer relay`: the NetBird-compatible relay on Node. Flags win over env vars (GOSSAMER_*, with
// upstream's NB_* names accepted as a fallback). JSON logs on stdout; SIGINT/SIGTERM shut down
// gracefully (close to every peer); a second signal exits at once.
import pino from "pino";
import type { Logger } from "../../util/logger.ts";
import { serveRelay, parseListen } from "../relay-server.ts";
import { parseFlags, reportUsage, UsageError, type FlagSpec } from "./flags.ts";

export { UsageError };

export const summary = "run a NetBird-compatible relay (--listen --auth-secret --exposed-address ...)";

const USAGE = `usage: gossamer relay [flags]
  --listen HOST:PORT        WebSocket listener, /relay + /healthz + /metrics (GOSSAMER_LISTEN or NB_LISTEN_ADDRESS; default 127.0.0.1:8080)
  --auth-secret S           shared secret for HMAC auth tokens (GOSSAMER_AUTH_SECRET or NB_AUTH_SECRET; required)
  --exposed-address URL     instance URL sent to peers: rel://host:port, rels://host:port or host:port
                            (GOSSAMER_EXPOSED_ADDRESS or NB_EXPOSED_ADDRESS; default rel://<listen address>)
  --log-level debug|info|warn|error  (GOSSAMER_LOG_LEVEL or NB_LOG_LEVEL; default info)`;

export interface RelayFlags {
  listen: string;
  authSecret: string;
  instanceUrl?: string;
  logLevel: "debug" | "info" | "warn" | "error";
}

const FLAGS: Record<string, FlagSpec> = {
  listen: { env: ["GOSSAMER_LISTEN", "NB_LISTEN_ADDRESS"] },
  "auth-secret": { env: ["GOSSAMER_AUTH_SECRET", "NB_AUTH_SECRET"] },
  "exposed-address": { env: ["GOSSAMER_EXPOSED_ADDRESS", "NB_EXPOSED_ADDRESS"] },
  "log-level": { env: ["GOSSAMER_LOG_LEVEL", "NB_LOG_LEVEL"] },
};

/** rel://host:port | rels://host:port | host:port -> instance URL. */
export function instanceUrlOf(exposed: string): string {
  const m = /^(?:(rels?):\/\/)?([^/\s]+)$/.exec(exposed.trim());
  if (!m) throw new UsageError(`--exposed-address must be rel://host:port, rels://host:port or host:port`);
  return `${m[1] ?? "rel"}://${m[2]}`;
}

export function parseRelayFlags(argv: string[], env: Record<string, string | undefined> = process.env): RelayFlags {
  const f = parseFlags(argv, FLAGS, env);
  const listen = f.value("listen") ?? "127.0.0.1:8080";
  try {
    parseListen(listen);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const authSecret = f.value("auth-secret");
  if (!authSecret) throw new UsageError("--auth-secret is required");
  const logLevel = f.value("log-level") ?? "info";
  if (logLevel !== "debug" && logLevel !== "info" && logLevel !== "warn" && logLevel !== "error") {
    throw new UsageError("--log-level must be debug, info, warn or error");
  }
  const exposed = f.value("exposed-address");
  return { listen, authSecret, logLevel, ...(exposed !== undefined ? { instanceUrl: instanceUrlOf(exposed) } : {}) };
}

export async function run(argv: string[]): Promise<number | void> {
  let flags: RelayFlags;
  try {
    flags = parseRelayFlags(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return reportUsage(e, "gossamer relay", USAGE);
  }
  const logger: Logger = pino(
    {
      level: flags.logLevel,
      base: { component: "relay" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ fd: 1, sync: true }),
  );
  const server = await serveRelay({ listen: flags.listen, authSecret: flags.authSecret, logger, ...(flags.instanceUrl ? { instanceUrl: flags.instanceUrl } : {}) });
  await new Promise<void>((resolve) => {
    let signals = 0;
    const stop = (sig: string) => {
      if (++signals > 1) process.exit(130);
      logger.info({ signal: sig }, "relay shutting down");
      void server.close().then(resolve);
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
  });
  return 0;
}
