// bin/gossamer.js chooses between the compiled CLI (build/cli/) and the TypeScript sources: the build
// only while it is at least as new as every input it lists, never with GOSSAMER_FROM_SOURCE=1, and the
// sources whenever the build is missing or unreadable. Checked on a copy of the launcher in a scratch
// tree whose two entries print which one ran.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const launcher = fileURLToPath(new URL("../../bin/gossamer.js", import.meta.url));
const root = mkdtempSync(join(tmpdir(), "gossamer-bin-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

for (const d of ["bin", "build/cli", "src/node"]) mkdirSync(join(root, d), { recursive: true });
copyFileSync(launcher, join(root, "bin/gossamer.js"));
writeFileSync(join(root, "package.json"), JSON.stringify({ type: "module" }));
writeFileSync(join(root, "src/node/cli.ts"), `export async function main(argv: string[]): Promise<number> { console.log("source " + argv.join(" ")); return 0; }\n`);
writeFileSync(join(root, "build/cli/cli.mjs"), `export async function main(argv) { console.log("compiled " + argv.join(" ")); return 0; }\n`);
writeFileSync(join(root, "src/input.ts"), "export {};\n");
writeFileSync(join(root, "build/cli/inputs.json"), JSON.stringify({ entry: "cli.mjs", inputs: ["src/input.ts"] }));

const at = (file: string, seconds: number) => utimesSync(join(root, file), seconds, seconds);
const run = (env: Record<string, string> = {}) =>
  execFileSync(process.execPath, [join(root, "bin/gossamer.js"), "relay", "--x"], { env: { ...process.env, GOSSAMER_FROM_SOURCE: "", ...env }, encoding: "utf8" }).trim();

describe("bin/gossamer.js", () => {
  it("runs the compiled CLI while it is newer than its inputs", () => {
    at("src/input.ts", 1_000_000);
    at("build/cli/cli.mjs", 2_000_000);
    expect(run()).toBe("compiled relay --x");
  });

  it("runs the sources when an input is newer than the build, or when asked to", () => {
    at("src/input.ts", 3_000_000);
    expect(run()).toBe("source relay --x");
    at("src/input.ts", 1_000_000);
    expect(run({ GOSSAMER_FROM_SOURCE: "1" })).toBe("source relay --x");
  });

  it("runs the sources when the build's input list is missing or names a missing file", () => {
    writeFileSync(join(root, "build/cli/inputs.json"), JSON.stringify({ entry: "cli.mjs", inputs: ["src/gone.ts"] }));
    expect(run()).toBe("source relay --x");
    rmSync(join(root, "build/cli/inputs.json"));
    expect(run()).toBe("source relay --x");
  });
});
