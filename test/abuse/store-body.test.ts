// Attack 6: large and endless request bodies on the store API (POST /v1/messages at an agent). Before
// the fix a chunked body was read whole before the size check, and the documented 4 MiB limit was 1 MiB
// in fact. Now the limit is 4 MiB and a body is read with a running count: a chunked body is cut off
// once it passes the limit, whatever its length.
import http from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import { BOUNDS, agentProc, report, stopAll } from "./harness.ts";

afterAll(stopAll);

const TOKEN = "abuse-store-token";
const MiB = 1024 * 1024;
const env = (i: number) => JSON.stringify({ type: 5, payload: { v: 231, subnet: `10.${(i >> 8) & 255}.${i & 255}.0/24`, machine_id: "m1", ion_id: "10.0.0.1:7946", timestamp: 1_700_000_000 + i, action: "add" } });

/** POSTs a body of `total` bytes in 64 KiB chunks without Content-Length; resolves with the status and the bytes written before the server answered. */
function chunked(port: number, total: number): Promise<{ status: number; written: number }> {
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    const req = http.request({ host: "127.0.0.1", port, path: "/v1/messages", method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "transfer-encoding": "chunked" } }, (res) => {
      answered = true;
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, written }));
    });
    req.on("error", (e) => (answered ? undefined : reject(e)));
    const chunk = Buffer.alloc(64 * 1024, 0x20); // JSON whitespace
    const pump = () => {
      while (!answered && written < total) {
        written += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!answered) req.end();
    };
    req.write("[");
    pump();
  });
}

describe("abuse: store API bodies", () => {
  it("the limit is 4 MiB: 3.9 MiB is applied, 4 MiB + 1 is refused at once, an endless chunked body is cut off", async () => {
    const a = await agentProc("store-target", ["--http-token", TOKEN]);
    const port = Number(new URL(a.url).port);
    const post = (body: string) => fetch(`${a.url}/v1/messages`, { method: "POST", body, headers: { authorization: `Bearer ${TOKEN}` } });

    // 3.9 MiB: a few real envelopes padded with JSON whitespace (the size is what is being tested).
    const items = Array.from({ length: 50 }, (_, i) => env(i)).join(",");
    const big = `[${items}${" ".repeat(Math.floor(3.9 * MiB) - items.length - 2)}]`;
    expect(big.length).toBeGreaterThan(MiB * 3.8);
    const ok = await post(big);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ applied: 50 });

    const over = await post(" ".repeat(4 * MiB) + "[]");
    expect(over.status).toBe(413);
    expect(((await over.json()) as { error: { code: string } }).error.code).toBe("gossip.decode.too_large");

    const rss0 = a.rssKiB();
    const endless = await chunked(port, 256 * MiB);
    const growth = a.rssKiB() - rss0;
    report("store-body", { limitBytes: 4 * MiB, acceptedBytes: big.length, chunkedStatus: endless.status, chunkedWrittenBeforeAnswer: endless.written, rssGrowthKiB: growth });
    expect(endless.status).toBe(413);
    expect(endless.written).toBeLessThan(64 * MiB); // the server answered long before 256 MiB
    expect(growth).toBeLessThan(BOUNDS.rssGrowthKiB);
    // Still serving.
    expect((await fetch(`${a.url}/healthz`)).status).toBe(200);
  }, 90_000);
});
