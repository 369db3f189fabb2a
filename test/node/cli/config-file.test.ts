// --config FILE for the daemon commands: JSON and TOML, snake_case keys, lists and tables for repeatable
// flags, precedence (flags > env > file > default), and errors that name the file and the key or line.
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAgentFlags } from "../../../src/node/cli/agent.ts";
import { parseConfigText, ConfigFileError } from "../../../src/node/cli/config-file.ts";
import { parseDuration, parseFlags, UsageError } from "../../../src/node/cli/flags.ts";
import { parseRelayFlags } from "../../../src/node/cli/relay.ts";
import { parseClientFlags } from "../../../src/node/cli/client.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "gossamer-config-"));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe("config files", () => {
  it("reads an agent's flags from TOML, with tables and lists for repeatable flags", () => {
    const p = file(
      "agent.toml",
      `node = "web-1"
bind = "127.0.0.1:7946"
retry_join = ["10.0.0.1:7946", "10.0.0.2:7946"]
retry-interval = "5s"
retry_max = 3
serf = true
log_format = "json"

[tag]
role = "web"
dc = "eu"
`,
    );
    const f = parseAgentFlags(["--config", p], {});
    expect(f).toMatchObject({ node: "web-1", bind: "127.0.0.1:7946", retryJoin: ["10.0.0.1:7946", "10.0.0.2:7946"], retryIntervalMs: 5000, retryMax: 3, serf: true, logFormat: "json" });
    expect({ ...f.tags }).toEqual({ role: "web", dc: "eu" });
  });

  it("reads JSON by the file name, and GOSSAMER_CONFIG names the file too", () => {
    const p = file("relay.json", JSON.stringify({ listen: "127.0.0.1:9999", auth_secret: "from-file", "log-level": "warn" }));
    expect(parseRelayFlags([], { GOSSAMER_CONFIG: p })).toMatchObject({ listen: "127.0.0.1:9999", authSecret: "from-file", logLevel: "warn" });
  });

  it("flags override env vars, which override the file", () => {
    const p = file("prec.toml", `node = "file"\nbind = "127.0.0.1:1"\nprofile = "wan"\njoin = ["file:1"]\n`);
    const env = { GOSSAMER_BIND: "127.0.0.1:2", GOSSAMER_JOIN: "env:1" };
    const f = parseAgentFlags(["--config", p, "--node", "flag"], env);
    expect(f).toMatchObject({ node: "flag", bind: "127.0.0.1:2", profile: "wan", join: ["env:1"] });
    expect(parseAgentFlags([`--config=${p}`, "--join", "flag:1"], env).join).toEqual(["flag:1"]);
  });

  it("names an unknown key, a bad value and a syntax error with its line", () => {
    const bad = (text: string, json = false) => {
      try {
        parseConfigText(text, json, { node: {}, join: { repeatable: true } }, "x.toml");
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigFileError);
        expect((e as ConfigFileError).code).toBe("cli.config");
        return (e as Error).message;
      }
      throw new Error("no error");
    };
    expect(bad(`nod = "a"`)).toMatch(/x\.toml: unknown key "nod"/);
    expect(bad(`node = ["a", "b"]`)).toMatch(/"node" takes one value, not a list/);
    expect(bad(`join = [{ a = 1 }]`)).toMatch(/"join" must be a list of strings/);
    expect(bad(`node = "a"\nbind = \n`)).toMatch(/not valid TOML \(line 2, column \d+\)/);
    expect(bad(`[1, 2]`, true)).toMatch(/top level must be an object/);
    expect(bad(`{"node": `, true)).toMatch(/not valid JSON/);
    // Through the command: a usage error naming the file.
    expect(() => parseAgentFlags(["--config", path.join(dir, "missing.toml")], {})).toThrow(/missing\.toml: cannot read it \(ENOENT\)/);
    expect(() => parseAgentFlags(["--config"], {})).toThrow(UsageError);
  });

  it("the example config files in examples/ parse", () => {
    const root = path.resolve(import.meta.dirname, "../../..");
    const agent = parseAgentFlags(["--config", path.join(root, "examples/agent.toml")], {});
    expect(agent).toMatchObject({ node: "web-1", bind: "0.0.0.0:7946", retryJoin: ["10.0.0.11:7946", "10.0.0.12:7946"], retryIntervalMs: 15_000, retryMax: 0, http: "127.0.0.1:8080", dataDir: "/var/lib/gossamer", logFormat: "json" });
    expect({ ...agent.tags }).toEqual({ role: "web", dc: "eu-1" });
    const relay = parseRelayFlags(["--config", path.join(root, "examples/relay.toml")], { GOSSAMER_AUTH_SECRET: "s" });
    expect(relay).toMatchObject({ listen: "0.0.0.0:8080", instanceUrl: "rels://relay.example.com:443", logFormat: "json", authSecret: "s" });
  });

  it("the client commands ignore GOSSAMER_CONFIG and refuse --config", () => {
    const p = file("daemon.toml", `node = "x"\n`);
    expect(parseClientFlags(["--format", "json"], {}, { GOSSAMER_CONFIG: p }).format).toBe("json");
    expect(() => parseClientFlags(["--config", p], {}, {})).toThrow("--config is for the daemons");
  });

  it("parses durations as Serf writes them", () => {
    expect(parseDuration("30s", "x")).toBe(30_000);
    expect(parseDuration("500ms", "x")).toBe(500);
    expect(parseDuration("1m30s", "x")).toBe(90_000);
    expect(parseDuration("2", "x")).toBe(2000);
    expect(parseDuration("1.5h", "x")).toBe(5_400_000);
    for (const b of ["", "s", "10 s", "5d", "1m-3s"]) expect(() => parseDuration(b, "retry-interval")).toThrow(/--retry-interval must be a duration/);
  });

  it("names an unknown flag and suggests the closest one", () => {
    expect(() => parseFlags(["--nod", "x"], { node: { env: [] }, bind: { env: [] } }, {})).toThrow("unknown flag --nod (did you mean --node?)");
    expect(() => parseFlags(["--zzzzzz"], { node: { env: [] } }, {})).toThrow(/^unknown flag --zzzzzz$/);
  });
});
