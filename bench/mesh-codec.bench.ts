// meshage gob codec: MESSAGE and MSA units encoded and decoded per second, against JSON.stringify /
// JSON.parse of the same data in the same run (the baseline a non-Go port would use). Decoding runs the
// real receive path: a stream decoder fed a buffer of units, reading each Message with the field plan.
import { encodeMessage, readMessage, stringBody, type MeshMessage } from "../src/mesh/index.ts";
import { GobStreamDecoder, GobStreamEncoder, TypeRegistry } from "../src/mesh/gob/index.ts";
import { medianOps, type Reporter } from "./report.ts";

const INSTANCE = 12863860383455142192n;
const names = Array.from({ length: 8 }, (_, i) => `node-${i}.lab.example`);

const msa: MeshMessage = { kind: "msa", source: names[0]!, instance: INSTANCE, route: names.slice(0, 4), id: 4242n, neighbours: names.slice(1, 4) };
const message: MeshMessage = { kind: "message", recipients: names.slice(4, 6), source: names[0]!, instance: INSTANCE, route: names.slice(0, 3), id: 0n, body: stringBody("vm info -- the body of a typical mesh send, a minimega command line") };

/** The JSON a port without gob would send: the same fields, Instance as a decimal string. */
function jsonOf(m: MeshMessage): Record<string, unknown> {
  if (m.kind === "msa") return { Source: m.source, Instance: m.instance.toString(), CurrentRoute: m.route, ID: Number(m.id), Command: 1, Body: m.neighbours };
  if (m.kind === "message") return { Recipients: m.recipients, Source: m.source, Instance: m.instance.toString(), CurrentRoute: m.route, Command: 2, Body: m.body?.value };
  return {};
}

export async function run(r: Reporter): Promise<void> {
  const BATCH = 1000;
  for (const [label, m] of [
    ["MSA", msa],
    ["MESSAGE", message],
  ] as const) {
    const enc = new GobStreamEncoder(new TypeRegistry());
    encodeMessage(enc, m); // the stream's type definitions go out once
    const unit = encodeMessage(enc, m);
    const obj = jsonOf(m);
    const text = JSON.stringify(obj);
    const encOps = medianOps(() => {
      for (let i = 0; i < BATCH; i++) encodeMessage(enc, m);
    }, BATCH);
    const jsonEncOps = medianOps(() => {
      for (let i = 0; i < BATCH; i++) JSON.stringify(jsonOf(m));
    }, BATCH);
    // a stream: definitions, then BATCH units of this message
    const defsEnc = new GobStreamEncoder(new TypeRegistry());
    const stream = Buffer.concat([encodeMessage(defsEnc, m), ...Array.from({ length: BATCH - 1 }, () => unit)]);
    const decOps = medianOps(() => {
      const dec = new GobStreamDecoder();
      dec.push(stream);
      let n = 0;
      while (dec.next(readMessage)) n++;
      if (n < BATCH) throw new Error("short decode");
    }, BATCH);
    const lines = Array.from({ length: BATCH }, () => text);
    const jsonDecOps = medianOps(() => {
      for (const l of lines) JSON.parse(l);
    }, BATCH);
    r.table(`mesh gob ${label.replace(/[^A-Za-z0-9]+/g, "-").toLowerCase()}`, `mesh gob codec: ${label} (${unit.length} B gob unit, ${text.length} B JSON)`, [
      { name: `gob encode ${label}`, unit: "msgs/s", value: encOps, baseline: "JSON.stringify", baselineValue: jsonEncOps },
      { name: `gob decode ${label}`, unit: "msgs/s", value: decOps, baseline: "JSON.parse", baselineValue: jsonDecOps },
      { name: `gob ${label} size`, unit: "bytes", value: unit.length, baseline: "JSON text", baselineValue: text.length },
    ]);
  }
}
