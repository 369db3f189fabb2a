// What already held before issue 12, pinned so it keeps holding: an encrypted agent refuses plaintext
// (UDP and TCP) and a labeled agent refuses the wrong label, each counted and answered with nothing; the
// relay refuses bad tokens (no relay-level reply, close 1008), oversize auth and oversize frames; the
// store API refuses writes without the token; an oversize memberlist stream is cut at the limit. Each
// probe is sent many times and the node keeps answering legitimate pings.
import dgram from "node:dgram";
import net from "node:net";
import WebSocket from "ws";
import { afterAll, describe, expect, it } from "vitest";
import { encodeMessage, encodePushPullHeader, Keyring, sealPacket } from "../../src/memberlist/codec/index.ts";
import { encodeAuth, issueToken, peerIdFromPublicKey, CLOSE_POLICY_VIOLATION, CLOSE_TOO_BIG } from "../../src/relay/index.ts";
import { agentProc, metric, report, spawnGossamer, stopAll, until } from "./harness.ts";
import { udpPing } from "../node/member-probes.ts";

afterAll(stopAll);

const KEY = Buffer.alloc(32, 7).toString("base64");

async function send(port: number, bytes: Uint8Array[], n: number): Promise<void> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  const sent: Promise<void>[] = [];
  for (let i = 0; i < n; i++) for (const b of bytes) sent.push(new Promise((r) => s.send(b, port, "127.0.0.1", () => r())));
  await Promise.all(sent); // every datagram handed to the kernel before the socket closes
  s.close();
}

/** Writes `bytes` as a memberlist dialer does (no half-close) and resolves with the reply's size once the node closes. */
function stream(port: number, bytes: Uint8Array): Promise<number> {
  return new Promise((resolve) => {
    let got = 0;
    const s = net.connect({ port, host: "127.0.0.1", localAddress: "127.0.3.1" });
    s.on("error", () => {});
    s.on("data", (d) => (got += d.length));
    s.on("connect", () => s.write(bytes));
    s.on("close", () => resolve(got));
    setTimeout(() => s.destroy(), 8_000).unref();
  });
}

describe("abuse: refusals that already held", () => {
  it("encryption and labels: plaintext and wrong labels are dropped and counted; pings with the right keys still answered", async () => {
    const enc = await agentProc("holds-enc", ["--encrypt", KEY]);
    const lab = await agentProc("holds-label", ["--label", "blue"]);
    const ping = encodeMessage({ type: "ping", body: { SeqNo: 1, Node: "holds-enc" } });
    await send(enc.port, [ping], 500); // plaintext to an encrypted agent
    const wrongKey = await sealPacket(ping, { keyring: new Keyring(new Uint8Array(32).fill(9)) });
    await send(enc.port, [wrongKey], 500);
    await send(lab.port, [sealPacket(encodeMessage({ type: "ping", body: { SeqNo: 2, Node: "holds-label" } }), { label: "red" })], 500);
    const plainStreamReply = await stream(enc.port, encodeMessage({ type: "ping", body: { SeqNo: 3, Node: "holds-enc" } }));
    await until("drops counted", 30_000, async () => (await metric(enc.url, 'gossamer_memberlist_dropped_total{transport="udp",code="memberlist.decrypt"}')) >= 1000);
    const labelDrops = await until("label drops", 30_000, async () => metric(lab.url, 'gossamer_memberlist_dropped_total{transport="udp",code="memberlist.label"}'));
    // The encrypted agent still answers a properly encrypted ping, the labeled one a labeled ping.
    const raw = dgram.createSocket("udp4");
    await new Promise<void>((r) => raw.bind(0, "127.0.0.1", () => r()));
    const labeledOk = new Promise<boolean>((resolve) => {
      raw.once("message", () => resolve(true));
      setTimeout(() => resolve(false), 10_000).unref(); // resolved at once when answered; generous for a loaded machine
    });
    raw.send(sealPacket(encodeMessage({ type: "ping", body: { SeqNo: 4, Node: "holds-label" } }), { label: "blue" }), lab.port, "127.0.0.1");
    expect(await labeledOk).toBe(true);
    expect(await udpPing(raw, enc.port, "holds-enc", 5, 1_000)).toBe(false); // plaintext: no answer
    raw.close();
    report("holds-memberlist", { decryptDrops: await metric(enc.url, 'gossamer_memberlist_dropped_total{transport="udp",code="memberlist.decrypt"}'), labelDrops, plainStreamReplyBytes: plainStreamReply });
    expect(labelDrops).toBeGreaterThanOrEqual(500);
    expect(plainStreamReply).toBeGreaterThan(0); // Go's errResp: "Encryption is configured but remote state is not encrypted"
  }, 120_000);

  it("an oversize memberlist stream is cut at the limit with a typed error", async () => {
    const a = await agentProc("holds-stream");
    // A push/pull promising 1 GiB of user state (far past the agent's stream limit): refused on the header.
    const head = Uint8Array.from([6, ...encodePushPullHeader({ Join: false, Nodes: 0, UserStateLen: 1024 * 1024 * 1024 })]);
    await stream(a.port, head);
    await until("limit drop counted", 30_000, async () => (await metric(a.url, 'gossamer_memberlist_dropped_total{transport="tcp",code="memberlist.limit"}')) >= 1);
  }, 90_000);

  it("relay: bad tokens, oversize auth and oversize frames close the socket without a relay reply", async () => {
    const secret = "holds-relay-secret";
    const p = spawnGossamer(["relay", "--listen", "127.0.0.1:0", "--auth-secret", secret]);
    const up = await until("relay listening", 20_000, () => p.lines.find((l) => l.msg === "relay listening"));
    const url = `ws://${String(up["listen"])}/relay`;
    const id = await peerIdFromPublicKey("holds-relay-peer");
    const attempt = (first: Uint8Array) =>
      new Promise<{ code: number; messages: number }>((resolve) => {
        const ws = new WebSocket(url, { perMessageDeflate: false });
        let messages = 0;
        ws.on("message", () => messages++);
        ws.on("open", () => ws.send(first));
        ws.on("close", (code) => resolve({ code, messages }));
        ws.on("error", () => {});
      });
    const bad = await attempt(encodeAuth(id, await issueToken("wrong-secret")));
    expect(bad).toEqual({ code: CLOSE_POLICY_VIOLATION, messages: 0 });
    const expired = await attempt(encodeAuth(id, await issueToken(secret, { expiresAt: 1_000_000_000 })));
    expect(expired).toEqual({ code: CLOSE_POLICY_VIOLATION, messages: 0 });
    const big = await attempt(encodeAuth(id, new Uint8Array(400).fill(1)));
    expect(big.code).toBe(CLOSE_TOO_BIG);
    const huge = await attempt(new Uint8Array(100_000)); // over the 64 KiB WebSocket payload cap
    expect(huge.code).toBe(1009);
    const http = `http://${String(up["listen"])}`;
    const closes = (await (await fetch(`${http}/metrics`)).text()).split("\n").filter((l) => l.startsWith("relay_connection_closes_total"));
    report("holds-relay", { closes });
    expect(closes.join("\n")).toMatch(/reason="auth_failed"} 2/);
  }, 90_000);

  it("store API: writes need the bearer token", async () => {
    const a = await agentProc("holds-store", ["--http-token", "t0k"]);
    const r = await fetch(`${a.url}/v1/messages`, { method: "POST", body: "[]" });
    expect(r.status).toBe(401);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    const wrong = await fetch(`${a.url}/v1/messages`, { method: "POST", body: "[]", headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
  }, 90_000);
});
