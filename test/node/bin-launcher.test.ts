// bin/gossamer.js chooses between the compiled CLI (dist/, `npm run build:dist`) and the TypeScript
// sources: dist/ while it is at least as new as every input it lists, the sources when an input is newer,
// when dist/inputs.json is missing or names a missing file, or with GOSSAMER_FROM_SOURCE=1; an installed
// package (no sources) always runs dist/; a Node that cannot run TypeScript gets a clear error instead of
// a stale build. Checked on a copy of the launcher in a scratch tree whose two entries print which ran.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const launcher = fileURLToPath(new URL("../../bin/gossamer.js", import.meta.url));
const root = mkdtempSync(join(tmpdir(), "gossamer-bin-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

for (const d of ["bin", "dist/bundle/cli", "src/node"]) mkdirSync(join(root, d), { recursive: true });
copyFileSync(launcher, join(root, "bin/gossamer.js"));
writeFileSync(join(root, "package.json"), JSON.stringify({ type: "module" }));
writeFileSync(join(root, "src/node/cli.ts"), `export async function main(argv: string[]): Promise<number> { console.log("source " + argv.join(" ")); return 0; }\n`);
writeFileSync(join(root, "dist/bundle/cli/cli.mjs"), `export async function main(argv) { console.log("compiled " + argv.join(" ")); return 0; }\n`);
writeFileSync(join(root, "src/input.ts"), "export {};\n");
const inputs = (list: string[]) => writeFileSync(join(root, "dist/inputs.json"), JSON.stringify({ entry: "bundle/cli/cli.mjs", inputs: list }));
inputs(["src/input.ts"]);

const at = (file: string, seconds: number) => utimesSync(join(root, file), seconds, seconds);
const run = (env: Record<string, string> = {}, node = process.execPath) =>
  spawnSync(node, [join(root, "bin/gossamer.js"), "relay", "--x"], { env: { ...process.env, GOSSAMER_FROM_SOURCE: "", ...env }, encoding: "utf8" });
const ran = (env: Record<string, string> = {}) => run(env).stdout.trim();

describe("bin/gossamer.js", () => {
  it("runs the compiled CLI while it is newer than its inputs", () => {
    at("src/input.ts", 1_000_000);
    at("dist/bundle/cli/cli.mjs", 2_000_000);
    expect(ran()).toBe("compiled relay --x");
  });

  it("runs the sources when an input is newer than the build, or when asked to", () => {
    at("src/input.ts", 3_000_000);
    expect(ran()).toBe("source relay --x");
    at("src/input.ts", 1_000_000);
    expect(ran({ GOSSAMER_FROM_SOURCE: "1" })).toBe("source relay --x");
  });

  it("runs the sources when the build's input list is missing or names a missing file", () => {
    inputs(["src/gone.ts"]);
    expect(ran()).toBe("source relay --x");
    rmSync(join(root, "dist/inputs.json"));
    expect(ran()).toBe("source relay --x");
    inputs(["src/input.ts"]);
  });

  it("an installed package (no sources) always runs dist/", () => {
    rmSync(join(root, "src/node/cli.ts"));
    at("src/input.ts", 3_000_000); // whatever the leftovers say
    expect(ran()).toBe("compiled relay --x");
    expect(ran({ GOSSAMER_FROM_SOURCE: "1" })).toBe("compiled relay --x");
    writeFileSync(join(root, "src/node/cli.ts"), `export async function main(argv: string[]): Promise<number> { console.log("source " + argv.join(" ")); return 0; }\n`);
  });

  it.runIf(existsSync("/usr/bin/node") && !/^v2[2-9]|^v[3-9]\d/.test(spawnSync("/usr/bin/node", ["--version"], { encoding: "utf8" }).stdout))(
    "on a Node without type stripping, a stale build is an error that says what to run",
    () => {
      at("src/input.ts", 3_000_000);
      const r = run({}, "/usr/bin/node");
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("run `npm run build:dist`");
      at("src/input.ts", 1_000_000);
      expect(run({}, "/usr/bin/node").stdout.trim()).toBe("compiled relay --x");
    },
  );
});
