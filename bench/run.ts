// `npm run bench`: runs every bench/*.bench.ts (or those named on the command line), prints a table per
// routine with same-run baselines and ratios, and writes bench/results/latest.json.
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Reporter } from "./report.ts";

const dir = fileURLToPath(new URL(".", import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();
const reporter = new Reporter();
for (const f of files) {
  const mod = (await import(new URL(f, import.meta.url).href)) as { run(r: Reporter): Promise<void> };
  console.log(`\n# ${f}`);
  await mod.run(reporter);
}
mkdirSync(new URL("results/", import.meta.url), { recursive: true });
const out = new URL("results/latest.json", import.meta.url);
writeFileSync(out, JSON.stringify(reporter.toJSON({ date: new Date().toISOString(), node: process.version, benches: files }), null, 2));
console.log(`\nwrote ${fileURLToPath(out)} (${reporter.records.length} records)`);
