// The package's version, read once from its package.json: the first package.json named "gossamer" found
// walking up from this module (the same code runs from src/node/ in the repository and from the compiled
// dist/src/node/ in an installed package).
import { readFileSync } from "node:fs";

let cached: string | undefined;

export function packageVersion(): string {
  if (cached !== undefined) return cached;
  let dir = new URL(".", import.meta.url);
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL("package.json", dir), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "gossamer" && typeof pkg.version === "string") return (cached = pkg.version);
    } catch {
      /* no package.json here: go up */
    }
    dir = new URL("..", dir);
  }
  return (cached = "unknown");
}
