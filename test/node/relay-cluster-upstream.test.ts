// The fabric against a hand-driven "upstream-style" pod on a real TCP socket: a pod that speaks only
// upstream's frames (HELLO, WHO_HAS, I_HAVE, FWD; no PRESENCE). It dials our relay with a signed HELLO,
// is located by WHO_HAS / I_HAVE (first-packet lookup), receives FWD frames with upstream's layout
// (dst ID ‖ transport message whose ID slot is the source), and its FWD frames reach our peers. Also:
// unknown frame types are skipped, malformed frames are dropped without closing the stream.
import { connect } from "node:net";
import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeTransport } from "../../src/relay/codec.ts";
import { decodeFrame, encodeFrame, encodeFwd, encodeIHave, FrameReader } from "../../src/relay/fabric/codec.ts";
import type { FabricFrame } from "../../src/relay/fabric/codec.ts";
import { HelloAuth } from "../../src/relay/fabric/hello.ts";
import { peerIdFromPublicKey, peerIdToString } from "../../src/relay/peer-id.ts";
import type { RelayServer } from "../../src/node/relay-server.ts";
import { clusterRelay, metrics, sample, testPeer, until } from "./relay-cluster-harness.ts";

const enc = new TextEncoder();
let A: RelayServer;
let sock: Socket;
const got: FabricFrame[] = [];
const POD = "10.99.0.1:7090";

beforeAll(async () => {
  A = await clusterRelay({ secret: "up" });
  const port = Number(A.cluster!.addr.split(":")[1]);
  sock = connect({ host: "127.0.0.1", port });
  await new Promise<void>((r) => sock.once("connect", () => r()));
  sock.write(await new HelloAuth("up").encode(POD));
  const reader = new FrameReader();
  sock.on("data", (c: Buffer) => {
    for (const f of reader.push(c)) got.push(decodeFrame({ type: f.type, payload: f.payload.slice() }));
  });
  await until("stream registered", () => A.cluster!.fabric.hasStream(POD));
});
afterAll(async () => {
  sock?.destroy();
  await A?.close();
});

describe("fabric with an upstream-style pod", () => {
  it("locates a remote peer by WHO_HAS / I_HAVE and forwards with upstream's FWD layout", async () => {
    const a = await testPeer(A);
    const remoteId = await peerIdFromPublicKey("remote-on-upstream-pod");
    const remote = peerIdToString(remoteId);
    a.c.send(remoteId, enc.encode("first packet"));
    await until("WHO_HAS", () => got.some((f) => f.type === "whoHas" && f.peerId === remote));
    sock.write(encodeIHave(remoteId, 7));
    await until("FWD", () => got.some((f) => f.type === "fwd"));
    const fwd = got.find((f) => f.type === "fwd") as Extract<FabricFrame, { type: "fwd" }>;
    expect(fwd.dst).toBe(remote);
    expect([...fwd.message]).toEqual([...encodeTransport(a.id, enc.encode("first packet"))]); // ID slot = source
    // Cached now: the next packet goes straight out, without another WHO_HAS.
    const whoHas = got.filter((f) => f.type === "whoHas").length;
    a.c.send(remoteId, enc.encode("second"));
    await until("second FWD", () => got.filter((f) => f.type === "fwd").length === 2);
    expect(got.filter((f) => f.type === "whoHas").length).toBe(whoHas);
    const m = await metrics(A);
    expect(sample(m, `relay_cluster_lookup_duration_seconds_count{found="true"}`)).toBe(1);
    expect(sample(m, `relay_cluster_forwards_total{result="ok"}`)).toBe(2);
  });

  it("answers WHO_HAS for local peers with increasing seqnos, and stays silent otherwise", async () => {
    const p = await testPeer(A);
    const nobody = await peerIdFromPublicKey("nobody-here");
    const before = got.length;
    sock.write(encodeFrame(0x01, nobody));
    sock.write(encodeFrame(0x01, p.id));
    sock.write(encodeFrame(0x01, p.id));
    await until("two I_HAVE", () => got.slice(before).filter((f) => f.type === "iHave").length === 2);
    const answers = got.slice(before).filter((f) => f.type === "iHave") as Array<Extract<FabricFrame, { type: "iHave" }>>;
    expect(answers.every((x) => x.peerId === p.key)).toBe(true);
    expect(answers[1]!.seqno).toBeGreaterThan(answers[0]!.seqno);
  });

  it("delivers the pod's FWD frames to local peers unchanged; skips unknown types and drops malformed frames", async () => {
    const p = await testPeer(A);
    const src = await peerIdFromPublicKey("sender-on-upstream-pod");
    sock.write(encodeFrame(0x7e, new Uint8Array([1, 2, 3]))); // unknown type: skipped
    sock.write(encodeFrame(0x01, new Uint8Array(5))); // malformed WHO_HAS: dropped, stream stays up
    sock.write(encodeFwd(p.id, encodeTransport(src, enc.encode("from upstream"))));
    await until("delivery", () => p.log.includes(`msg:${peerIdToString(src)}:from upstream`));
    expect(A.cluster!.fabric.hasStream(POD)).toBe(true);
    const m = await metrics(A);
    expect(sample(m, "relay_cluster_frame_errors_total")).toBe(1);
    expect(sample(m, "relay_cluster_forwarded_in_total")).toBe(1);
  });

  it("closing the stream invalidates what was learned through it", async () => {
    const remote = peerIdToString(await peerIdFromPublicKey("remote-on-upstream-pod"));
    expect(A.cluster!.fabric.cache.get(remote)).toBe(POD);
    sock.destroy();
    await until("stream gone", () => !A.cluster!.fabric.hasStream(POD));
    expect(A.cluster!.fabric.cache.get(remote)).toBe(null);
  });
});
