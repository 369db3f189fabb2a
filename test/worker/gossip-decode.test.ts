// POST /v1/gossip/decode in workerd: the decoded message, whether its schema V matches ours (V values
// from docs/protocols/gravity.md §3.2), and typed errors as 400 JSON.
import { SELF } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

async function decode(body: string | Uint8Array): Promise<{ status: number; json: any }> {
  const r = await SELF.fetch("http://x/v1/gossip/decode", { method: "POST", body });
  return { status: r.status, json: await r.json() };
}

const mapping = (v: number | null) =>
  `{"type":1,"payload":{"gravity_vip":"fd00::1","hadron_vip":"fd00::2","container_id":"c1","machine_id":"m1",` +
  `"project_id":"p1","dns_names":["a.example"],"timestamp":1700000000,"sni_hostname":"d-hash"${v === null ? "" : `,"v":${v}`}}}`;

describe("POST /v1/gossip/decode", () => {
  it("decodes a current EndpointMapping and reports V = 185 as ours", async () => {
    const { status, json } = await decode(mapping(185));
    expect(status).toBe(200);
    expect(json.message.type).toBe(1);
    expect(json.message.payload.container_id).toBe("c1");
    expect(json.message.payload.dns_names).toEqual(["a.example"]);
    expect(json.v).toEqual({ remote: 185, local: 185, matches: true, status: "current" });
  });

  it("reports a legacy sender (no v) and a different schema as not matching", async () => {
    const legacy = await decode(mapping(null));
    expect(legacy.status).toBe(200);
    expect(legacy.json.v).toMatchObject({ remote: 0, local: 185, matches: false, status: "legacy" });
    const other = await decode(mapping(7));
    expect(other.json.v).toMatchObject({ remote: 7, matches: false, status: "mismatch" });
  });

  it("checks nested heartbeat elements separately", async () => {
    const hb = `{"type":4,"payload":{"vip":"10.0.0.1","owners":{"n1":1700000000},"timestamp":1700000000,"v":38,` +
      `"new_nats":[{"key":"k","original_dst":"10.0.0.2","original_src":"10.0.0.3","src_port":1,"dst_port":2,"timestamp":1700000000}]}}`;
    const { status, json } = await decode(hb);
    expect(status).toBe(200);
    expect(json.v.status).toBe("current");
    expect(json.v.matches).toBe(false);
    expect(json.mismatches).toHaveLength(1);
    expect(json.mismatches[0]).toMatchObject({ type: 3, remoteV: 0, localV: 56 });
  });

  it("answers typed errors with 400 and a stable code", async () => {
    const cases: Array<[string, string]> = [
      ["{not json", "gossip.decode.malformed_json"],
      [`{"type":9,"payload":{}}`, "gossip.decode.unknown_type"],
      [`{"type":1}`, "gossip.decode.missing_payload"],
      [`{"type":3,"payload":{"key":"k","src_port":70000}}`, "gossip.decode.out_of_range"],
      [`{"type":2,"payload":{"container_id":5}}`, "gossip.decode.bad_field"],
    ];
    for (const [body, code] of cases) {
      const { status, json } = await decode(body);
      expect(status, body).toBe(400);
      expect(json.error.code, body).toBe(code);
    }
  });

  it("never fails with anything but 200 or a typed 400 on arbitrary input", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.string({ maxLength: 200 }).map((s) => `{"type":1,"payload":${s}}`)), async (body) => {
        const { status, json } = await decode(body);
        expect([200, 400]).toContain(status);
        if (status === 400) expect(json.error.code).toMatch(/^gossip\.decode\./);
      }),
      { numRuns: 60 },
    );
  });

  it("refuses bodies over 1 MiB with 413", async () => {
    const big = `{"type":2,"payload":{"container_id":"${"x".repeat(1 << 20)}"}}`;
    const { status, json } = await decode(big);
    expect(status).toBe(413);
    expect(json.error.code).toBe("gossip.decode.too_large");
  });

  it("rejects other methods", async () => {
    const r = await SELF.fetch("http://x/v1/gossip/decode");
    expect(r.status).toBe(405);
  });
});
