// `npm run deploy` ships wrangler.toml's [env.production] (docs/deploy-cloudflare.md). Guards what that
// environment must be, checked with wrangler's own dry run (it bundles and stops before any upload; no
// network): the three Durable Object bindings, the production relay URL, and none of the public development
// secrets (.dev.vars, [vars]) in its bindings or its bundle.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/gossamer-proc.ts";

const work = mkdtempSync(path.join(os.tmpdir(), "gossamer-deploy-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("wrangler deploy --env production", () => {
  it("bundles the worker with production bindings and no development secrets", () => {
    const out = path.join(work, "out");
    const r = spawnSync(process.execPath, [path.join(repoRoot, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--env", "production", "--dry-run", "--outdir", out], {
      cwd: repoRoot,
      // A fresh HOME: no cached login or metrics choice can change what wrangler prints. No banner: no update check.
      env: { ...process.env, HOME: work, WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "1" },
      encoding: "utf8",
      timeout: 120_000,
    });
    const text = `${r.stdout}\n${r.stderr}`;
    expect(r.status, text).toBe(0);
    for (const b of ["env.RELAY_SHARD (RelayShard)", "env.PEER_DIRECTORY (PeerDirectory)", "env.GOSSIP_STORE (GossipStore)"]) expect(text).toContain(b);
    expect(text).toMatch(/env\.RELAY_INSTANCE_URL \("rels:\/\//);
    expect(text).not.toMatch(/STORE_TOKEN|RELAY_AUTH_SECRET/);
    const files = readdirSync(out);
    expect(files.some((f) => f.endsWith("hotpath.wasm"))).toBe(true);
    const bundle = readFileSync(path.join(out, "index.js"), "utf8");
    for (const secret of ["dev-store-token", "dev-relay-secret"]) expect(bundle).not.toContain(secret);
  }, 150_000);
});
