// `gossamer relay` as a real process: flags/env parsing, JSON log lines, a peer served end to end, and
// graceful shutdown on SIGTERM (the peer receives the relay's close message, the process exits 0).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { issueToken } from "../../src/relay/auth.ts";
import { RelayClient } from "../../src/relay/client.ts";
import type { WebSocketLike } from "../../src/relay/client.ts";
import { peerIdFromPublicKey } from "../../src/relay/peer-id.ts";
import { instanceUrlOf, parseRelayFlags, UsageError } from "../../src/node/cli/relay.ts";

const bin = fileURLToPath(new URL("../../bin/gossamer.js", import.meta.url));

describe("gossamer relay flags", () => {
  it("reads flags over env vars, with NB_* as a fallback", () => {
    expect(parseRelayFlags(["--auth-secret", "s"], {})).toEqual({ listen: "127.0.0.1:8080", authSecret: "s", logLevel: "info", logFormat: "auto", tokenMode: "netbird" });
    expect(parseRelayFlags([], { NB_AUTH_SECRET: "nb", GOSSAMER_LISTEN: "[::1]:9000", GOSSAMER_EXPOSED_ADDRESS: "relay.example.com:443" })).toEqual({
      listen: "[::1]:9000",
      authSecret: "nb",
      logLevel: "info",
      logFormat: "auto",
      tokenMode: "netbird",
      instanceUrl: "rel://relay.example.com:443",
    });
    expect(parseRelayFlags(["--auth-secret", "s", "--auth-mode", "peer-bound", "--max-subscriptions-per-peer", "64", "--max-subscriptions", "1000"], {})).toMatchObject({
      tokenMode: "peer-bound",
      maxSubscriptionsPerPeer: 64,
      maxSubscriptionsTotal: 1000,
    });
    expect(parseRelayFlags([], { GOSSAMER_AUTH_SECRET: "s", GOSSAMER_AUTH_MODE: "peer-bound" }).tokenMode).toBe("peer-bound");
    expect(() => parseRelayFlags(["--auth-secret", "s", "--auth-mode", "bound"], {})).toThrow(/netbird or peer-bound/);
    expect(() => parseRelayFlags(["--auth-secret", "s", "--max-subscriptions", "0"], {})).toThrow(/positive integer/);
    expect(parseRelayFlags(["--auth-secret=flag", "--log-level", "debug"], { GOSSAMER_AUTH_SECRET: "env" })).toMatchObject({ authSecret: "flag", logLevel: "debug" });
    expect(instanceUrlOf("rels://r.example.com:443")).toBe("rels://r.example.com:443");
    expect(() => parseRelayFlags([], {})).toThrow(UsageError);
    expect(() => parseRelayFlags(["--auth-secret", "s", "--listen", "nope"], {})).toThrow(UsageError);
    expect(() => parseRelayFlags(["--auth-secret", "s", "--bogus", "1"], {})).toThrow(UsageError);
    expect(() => instanceUrlOf("http://x/y")).toThrow(UsageError);
  });
});

describe("gossamer relay process", () => {
  it("serves peers, logs JSON, and shuts down gracefully on SIGTERM", async () => {
    const child = spawn(process.execPath, [bin, "relay", "--listen", "127.0.0.1:0", "--auth-secret", "cli-secret", "--exposed-address", "rels://relay.test:443"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const lines: Array<Record<string, unknown>> = [];
    const rl = createInterface({ input: child.stdout! });
    const listening = new Promise<string>((resolve, reject) => {
      rl.on("line", (l) => {
        const rec = JSON.parse(l) as Record<string, unknown>;
        lines.push(rec);
        if (rec.msg === "relay listening") resolve(String(rec.listen));
      });
      child.once("exit", (code) => reject(new Error(`relay exited early (${code})`)));
    });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      const addr = await listening;
      const connect = () =>
        new Promise<WebSocketLike>((resolve, reject) => {
          const ws = new WebSocket(`ws://${addr}/relay`);
          ws.once("open", () => resolve(ws as unknown as WebSocketLike));
          ws.once("error", reject);
        });
      const a = await RelayClient.connect(await connect(), { peerId: await peerIdFromPublicKey("cli-a"), token: await issueToken("cli-secret"), serverSilenceMs: false });
      const b = await RelayClient.connect(await connect(), { peerId: await peerIdFromPublicKey("cli-b"), token: await issueToken("cli-secret"), serverSilenceMs: false });
      expect(a.instanceUrl).toBe("rels://relay.test:443");
      const got = new Promise<string>((r) => b.onMessage((_f, p) => r(new TextDecoder().decode(p))));
      a.send(b.peerId, new TextEncoder().encode("via cli"));
      expect(await got).toBe("via cli");
      const metrics = await (await fetch(`http://${addr}/metrics`)).text();
      expect(metrics).toMatch(/relay_peers\{transport="ws"\} 2/);
      child.kill("SIGTERM");
      const [ca, cb] = await Promise.all([a.closed, b.closed]);
      expect(ca.byServer && cb.byServer).toBe(true);
      expect(await exited).toBe(0);
      expect(lines.every((l) => typeof l.level === "string" && typeof l.time === "string")).toBe(true);
      expect(lines.map((l) => l.msg)).toContain("relay stopped");
    } finally {
      child.kill("SIGKILL");
    }
  }, 20_000);
});
