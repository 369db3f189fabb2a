// /metrics (Prometheus text exposition 0.0.4, hand-written) and the metrics renderer.
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { issueToken } from "../../src/relay/auth.ts";
import { RelayClient, whenOpen, type WebSocketLike } from "../../src/relay/client.ts";
import { peerIdFromPublicKey } from "../../src/relay/peer-id.ts";
import { MetricsRegistry, renderPrometheus, withLabels } from "../../src/util/metrics.ts";

const LINE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*",?)*\})? (-?[0-9.e+]+|NaN|[+-]Inf)$/;

function sample(text: string, name: string, labels: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? NaN : Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("metrics renderer", () => {
  it("renders HELP/TYPE once per family, escapes label values, merges objects", () => {
    const a = new MetricsRegistry();
    a.counter("x_total", "An x.\nSecond line").inc({ reason: 'a"b\\c' }, 2);
    a.gauge("y", "A y.").set({}, 3.5);
    const b = new MetricsRegistry();
    b.counter("x_total", "An x.").inc({ reason: "z" });
    const text = renderPrometheus([...withLabels(a.snapshot(), { shard: "s0" }), ...withLabels(b.snapshot(), { shard: "s1" })]);
    expect(text).toBe(
      [
        "# HELP x_total An x.\\nSecond line",
        "# TYPE x_total counter",
        'x_total{reason="a\\"b\\\\c",shard="s0"} 2',
        'x_total{reason="z",shard="s1"} 1',
        "# HELP y A y.",
        "# TYPE y gauge",
        'y{shard="s0"} 3.5',
        "",
      ].join("\n"),
    );
  });
});

describe("GET /metrics", () => {
  it("exposes relay, directory and store counters in Prometheus text", async () => {
    // some traffic first: one relayed packet on shard 0, one store write
    const mk = async () => {
      const id = await peerIdFromPublicKey(crypto.randomUUID());
      const res = await SELF.fetch("http://x/relay?shard=0", { headers: { Upgrade: "websocket" } });
      const ws = res.webSocket!;
      ws.accept();
      await whenOpen(ws as unknown as WebSocketLike);
      return { id, c: await RelayClient.connect(ws as unknown as WebSocketLike, { peerId: id, token: await issueToken(env.RELAY_AUTH_SECRET), serverSilenceMs: false }) };
    };
    const a = await mk();
    const b = await mk();
    const got = new Promise<void>((r) => b.c.onMessage(() => r()));
    a.c.send(b.id, new Uint8Array([1, 2, 3]));
    await got;
    await SELF.fetch("http://x/v1/messages", {
      method: "POST",
      headers: { authorization: `Bearer ${env.STORE_TOKEN}` },
      body: JSON.stringify({ type: 2, payload: { container_id: "m", machine_id: "m", timestamp: 1, v: 123 } }),
    });

    const r = await SELF.fetch("http://x/metrics");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const text = await r.text();
    for (const l of text.split("\n")) if (l && !l.startsWith("#")) expect(l).toMatch(LINE);
    expect(text).toContain("# TYPE relay_peers gauge");
    expect(text).toContain("# TYPE relay_peer_authentication_time_milliseconds histogram");
    expect(sample(text, "relay_peers", 'shard="shard-0"')).toBe(2);
    expect(sample(text, "relay_transfer_received_packets_total", 'shard="shard-0"')).toBe(1);
    expect(text).toMatch(/^relay_peer_authentication_time_milliseconds_bucket\{le="\+Inf",shard="shard-0"\} 2$/m);
    expect(text).toMatch(/^relay_directory_peers\{directory="dir-0"\} 2$/m);
    expect(text).toMatch(/^store_messages_total 1$/m);
    expect(text).toMatch(/^store_http_requests_total\{route="\/v1\/messages",status="200"\} 1$/m);
    a.c.close();
    b.c.close();
  });
});
