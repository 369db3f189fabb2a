// Config files for the daemon commands (`--config FILE`, GOSSAMER_CONFIG): JSON (`.json`) or TOML (any
// other name; smol-toml, TOML 1.0). The keys are the command's flag names without dashes; snake_case
// works too (`data_dir` = `data-dir`), as in Consul's files. Values are strings, numbers or booleans;
// a repeatable flag takes an array, and a table/object whose entries become `K=V` items (`tag = { role =
// "web" }` = `--tag role=web`). Anything else (an unknown key, a nested table for a plain flag, a file
// that does not parse) is an error naming the file and the key or line. Flags and env vars override the
// file (flags.ts).
import { readFileSync } from "node:fs";
import { parse as parseToml, TomlError } from "smol-toml";
import { GossamerError } from "../../util/index.ts";

/** What the file parser needs to know of each flag (flags.ts's FlagSpec has this shape). */
export type ConfigSpecs = Readonly<Record<string, { readonly repeatable?: boolean }>>;

/** Flag name -> its values from the file (one element for a plain flag). */
export type ConfigValues = Map<string, string[]>;

/** A config file that cannot be read, does not parse, or names an unknown flag (code cli.config). */
export class ConfigFileError extends GossamerError {
  constructor(message: string, cause?: unknown) {
    super("cli.config", message, cause === undefined ? undefined : { cause });
  }
}

function scalar(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  return undefined;
}

/** Parses `text` (TOML, or JSON when `json`) against the command's flags. */
export function parseConfigText(text: string, json: boolean, specs: ConfigSpecs, file = "config"): ConfigValues {
  let doc: unknown;
  try {
    doc = json ? JSON.parse(text) : parseToml(text);
  } catch (e) {
    const where = e instanceof TomlError ? ` (line ${e.line}, column ${e.column})` : "";
    const first = ((e as Error).message.split("\n")[0] ?? "").trim();
    throw new ConfigFileError(`config ${file}: not valid ${json ? "JSON" : "TOML"}${where}: ${first}`, e);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new ConfigFileError(`config ${file}: the top level must be an object/table of flag names`);
  const out: ConfigValues = new Map();
  for (const [rawKey, v] of Object.entries(doc as Record<string, unknown>)) {
    const key = rawKey.replaceAll("_", "-");
    const spec = Object.hasOwn(specs, key) ? specs[key] : undefined;
    if (!spec || key === "config") {
      const known = Object.keys(specs).sort().join(", ");
      throw new ConfigFileError(`config ${file}: unknown key ${JSON.stringify(rawKey)} (known: ${known})`);
    }
    const bad = (what: string) => new ConfigFileError(`config ${file}: ${JSON.stringify(rawKey)} ${what}`);
    const one = scalar(v);
    if (one !== undefined) {
      out.set(key, spec.repeatable ? one.split(",").map((s) => s.trim()).filter(Boolean) : [one]);
    } else if (Array.isArray(v)) {
      if (!spec.repeatable) throw bad("takes one value, not a list");
      out.set(
        key,
        v.map((x) => {
          const s = scalar(x);
          if (s === undefined) throw bad("must be a list of strings or numbers");
          return s;
        }),
      );
    } else if (typeof v === "object" && v !== null) {
      if (!spec.repeatable) throw bad("takes one value, not a table");
      out.set(
        key,
        Object.entries(v as Record<string, unknown>).map(([k, x]) => {
          const s = scalar(x);
          if (s === undefined) throw bad(`.${k} must be a string, number or boolean`);
          return `${k}=${s}`;
        }),
      );
    } else throw bad("must be a string, number, boolean or list");
  }
  return out;
}

/** Reads and parses a config file (JSON when the name ends in .json, TOML otherwise). */
export function readConfigFile(file: string, specs: ConfigSpecs, readFile: (path: string) => string = (p) => readFileSync(p, "utf8")): ConfigValues {
  let text: string;
  try {
    text = readFile(file);
  } catch (e) {
    throw new ConfigFileError(`config ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, e);
  }
  return parseConfigText(text, /\.json$/i.test(file), specs, file);
}
