// The flag grammar shared by the CLI subcommands (src/node/cli/flags.ts): both spellings, env mirrors
// with fallbacks, repeatable flags, --help, and one-line errors.
import { describe, expect, it } from "vitest";
import { parseFlags, UsageError, type FlagSpec } from "../../src/node/cli/flags.ts";
import { UsageError as AgentUsageError } from "../../src/node/cli/agent.ts";
import { UsageError as RelayUsageError } from "../../src/node/cli/relay.ts";

const SPECS: Record<string, FlagSpec> = {
  name: { env: ["X_NAME", "Y_NAME"] },
  tag: { env: ["X_TAGS"], repeatable: true },
};

describe("parseFlags", () => {
  it("reads --flag value, --flag=value and -flag; a repeated single flag keeps the last value", () => {
    expect(parseFlags(["--name", "a"], SPECS, {}).value("name")).toBe("a");
    expect(parseFlags(["--name=a=b"], SPECS, {}).value("name")).toBe("a=b");
    expect(parseFlags(["-name", "c"], SPECS, {}).value("name")).toBe("c");
    expect(parseFlags(["--name", "a", "--name", "b"], SPECS, {}).value("name")).toBe("b");
    expect(parseFlags([], SPECS, {}).value("name")).toBeUndefined();
  });

  it("mirrors flags with env vars: flags win, then the first non-empty env name", () => {
    expect(parseFlags([], SPECS, { X_NAME: "x", Y_NAME: "y" }).value("name")).toBe("x");
    expect(parseFlags([], SPECS, { X_NAME: "", Y_NAME: "y" }).value("name")).toBe("y");
    expect(parseFlags(["--name", "f"], SPECS, { X_NAME: "x" }).value("name")).toBe("f");
  });

  it("collects repeatable flags, else splits their env var on commas", () => {
    expect(parseFlags(["--tag", "a=1", "--tag=b=2"], SPECS, { X_TAGS: "z=9" }).list("tag")).toEqual(["a=1", "b=2"]);
    expect(parseFlags([], SPECS, { X_TAGS: " a=1, ,b=2 " }).list("tag")).toEqual(["a=1", "b=2"]);
    expect(parseFlags([], SPECS, {}).list("tag")).toEqual([]);
  });

  it("throws UsageError: empty for --help/-h, a reason otherwise", () => {
    for (const argv of [["--help"], ["-h"], ["--name", "a", "--help"]]) {
      const e = (() => {
        try {
          parseFlags(argv, SPECS, {});
        } catch (err) {
          return err;
        }
      })();
      expect(e).toBeInstanceOf(UsageError);
      expect((e as Error).message).toBe("");
    }
    expect(() => parseFlags(["stray"], SPECS, {})).toThrow(/unexpected argument "stray"/);
    expect(() => parseFlags(["--nope", "1"], SPECS, {})).toThrow(/unknown flag --nope/);
    expect(() => parseFlags(["--constructor", "1"], SPECS, {})).toThrow(/unknown flag --constructor/);
    expect(() => parseFlags(["--name"], SPECS, {})).toThrow(/flag --name needs a value/);
  });

  it("is the one UsageError both subcommands throw", () => {
    expect(AgentUsageError).toBe(UsageError);
    expect(RelayUsageError).toBe(UsageError);
  });
});
