// Command-line flags shared by the `gossamer` subcommands. One grammar for all of them:
// `--name value`, `--name=value` (a single dash works too), `--help` / `-h` asks for usage, anything
// not starting with a dash is an error. Every flag is mirrored by environment variables and may be set in
// a config file. Precedence, highest first: the command line, then the environment (among several env
// names the first non-empty one wins, so upstream names can be accepted as fallbacks), then the config
// file (`--config FILE` or GOSSAMER_CONFIG; JSON or TOML, see config-file.ts), then the command's default.
// A repeatable flag keeps every occurrence and its env var is a comma-separated list; any other flag
// given twice keeps the last value. Unknown flags and config keys are named in the error.
import type { LogFormat } from "../log.ts";
import { readConfigFile, type ConfigValues } from "./config-file.ts";

/** Bad command line. An empty message means "--help": print usage and exit 0. */
export class UsageError extends Error {}

export interface FlagSpec {
  /** Environment variables mirroring the flag, in priority order. */
  env: readonly string[];
  /** Every occurrence is kept (value list); the env var is comma-separated. */
  repeatable?: boolean;
  /** A switch: `--name` alone means "1" (the next argument is not consumed); `--name=false` is allowed. */
  boolean?: boolean;
}

export interface ParsedFlags {
  /** The flag's value, else its first non-empty env var, else the config file's, else undefined. */
  value(flag: string): string | undefined;
  /** A repeatable flag's values, else its env var split on commas (trimmed, empties dropped), else the
   * config file's list, else []. */
  list(flag: string): string[];
  /** The config file read (`--config` / GOSSAMER_CONFIG), if any. */
  readonly configFile: string | undefined;
}

export interface ParseFlagsOptions {
  /** Reads a config file (tests); default: the file system. */
  readFile?: (path: string) => string;
}

/** The flag every daemon command takes: a JSON or TOML file whose keys are the command's flag names. */
export const CONFIG_FLAG = "config";
export const CONFIG_ENV = "GOSSAMER_CONFIG";

/** Parses argv against `specs` over `env` (and a config file). Throws UsageError with a one-line reason. */
export function parseFlags(
  argv: readonly string[],
  specs: Readonly<Record<string, FlagSpec>>,
  env: Readonly<Record<string, string | undefined>>,
  opts: ParseFlagsOptions = {},
): ParsedFlags {
  const single = new Map<string, string>();
  const multi = new Map<string, string[]>();
  let configPath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("-") || a === "-" || a === "--") throw new UsageError(`unexpected argument ${JSON.stringify(a)}`);
    const body = a.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq >= 0 ? body.slice(0, eq) : body;
    if (name === "help" || name === "h") throw new UsageError("");
    if (name === CONFIG_FLAG) {
      configPath = eq >= 0 ? body.slice(eq + 1) : argv[++i];
      if (configPath === undefined || configPath === "") throw new UsageError(`flag --${CONFIG_FLAG} needs a file`);
      continue;
    }
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (!spec) throw new UsageError(`unknown flag --${name}${didYouMean(name, Object.keys(specs), "--")}`);
    const value = eq >= 0 ? body.slice(eq + 1) : spec.boolean ? "1" : argv[++i];
    if (value === undefined) throw new UsageError(`flag --${name} needs a value`);
    if (spec.repeatable) multi.set(name, [...(multi.get(name) ?? []), value]);
    else single.set(name, value);
  }
  configPath ??= env[CONFIG_ENV] || undefined;
  let config: ConfigValues = new Map();
  if (configPath !== undefined) {
    try {
      config = readConfigFile(configPath, specs, opts.readFile);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const fromEnv = (flag: string): string | undefined => (specs[flag]?.env ?? []).map((e) => env[e]).find((v) => v !== undefined && v !== "");
  const fromConfig = (flag: string): string[] | undefined => config.get(flag);
  return {
    configFile: configPath,
    value: (flag) => single.get(flag) ?? fromEnv(flag) ?? fromConfig(flag)?.at(-1),
    list: (flag) => {
      const given = multi.get(flag);
      if (given) return given;
      const e = fromEnv(flag);
      if (e !== undefined)
        return e
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
      return fromConfig(flag) ?? [];
    },
  };
}

/** ` (did you mean --x?)` when one candidate is within two edits of `name`, else "". */
export function didYouMean(name: string, candidates: readonly string[], prefix = ""): string {
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best === undefined ? "" : ` (did you mean ${prefix}${best}?)`;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration as Serf and Consul write them (Go's time.ParseDuration subset): "500ms", "30s", "1m30s",
 * "2h"; a bare number means seconds. Returns milliseconds; throws UsageError naming `flag`.
 */
export function parseDuration(text: string, flag: string): number {
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    end = re.lastIndex;
  }
  if (s === "" || end !== s.length) throw new UsageError(`--${flag} must be a duration such as 500ms, 30s, 1m or 1h30m, got ${JSON.stringify(text)}`);
  return Math.round(total);
}

/** Reads --log-format (validated). */
export function logFormatOf(f: ParsedFlags): LogFormat {
  const v = f.value("log-format") ?? "auto";
  if (v !== "json" && v !== "pretty" && v !== "auto") throw new UsageError("--log-format must be json, pretty or auto");
  return v;
}

/** Prints a UsageError (`prefix: reason`, then the usage text) to stderr; returns the exit code. */
export function reportUsage(err: UsageError, prefix: string, usage: string): number {
  if (err.message) {
    console.error(`${prefix}: ${err.message}`);
    console.error(`run 'gossamer help ${prefix.replace(/^gossamer /, "").split(" ")[0]}' for the flags`);
    return 2;
  }
  console.log(usage);
  return 0;
}
