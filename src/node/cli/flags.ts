// Command-line flags shared by the `gossamer` subcommands. One grammar for all of them:
// `--name value`, `--name=value` (a single dash works too), `--help` / `-h` asks for usage, anything
// not starting with a dash is an error. Every flag is mirrored by environment variables (flags win;
// among several env names the first non-empty one wins, so upstream names can be accepted as
// fallbacks). A repeatable flag keeps every occurrence and its env var is a comma-separated list; any
// other flag given twice keeps the last value.

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
  /** The flag's value, else its first non-empty env var, else undefined. */
  value(flag: string): string | undefined;
  /** A repeatable flag's values, else its env var split on commas (trimmed, empties dropped), else []. */
  list(flag: string): string[];
}

/** Parses argv against `specs` over `env`. Throws UsageError with a one-line reason. */
export function parseFlags(argv: readonly string[], specs: Readonly<Record<string, FlagSpec>>, env: Readonly<Record<string, string | undefined>>): ParsedFlags {
  const single = new Map<string, string>();
  const multi = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("-")) throw new UsageError(`unexpected argument ${JSON.stringify(a)}`);
    const body = a.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq >= 0 ? body.slice(0, eq) : body;
    if (name === "help" || name === "h") throw new UsageError("");
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (!spec) throw new UsageError(`unknown flag --${name}`);
    const value = eq >= 0 ? body.slice(eq + 1) : spec.boolean ? "1" : argv[++i];
    if (value === undefined) throw new UsageError(`flag --${name} needs a value`);
    if (spec.repeatable) multi.set(name, [...(multi.get(name) ?? []), value]);
    else single.set(name, value);
  }
  const fromEnv = (flag: string): string | undefined => (specs[flag]?.env ?? []).map((e) => env[e]).find((v) => v !== undefined && v !== "");
  return {
    value: (flag) => single.get(flag) ?? fromEnv(flag),
    list: (flag) =>
      multi.get(flag) ??
      (fromEnv(flag) ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
  };
}

/** Prints a UsageError (`prefix: reason`, then the usage text) to stderr; returns the exit code. */
export function reportUsage(err: UsageError, prefix: string, usage: string): number {
  if (err.message) console.error(`${prefix}: ${err.message}`);
  console.error(usage);
  return err.message ? 2 : 0;
}
