// Message <-> gob. Decoding follows Go: the sender's Message definition (whatever id it has on that
// stream) is matched to ours by FIELD NAME, each matched field must have a compatible wire type, unknown
// fields are read and ignored, and a struct with no matching field at all is a type mismatch. The plan
// for a wire struct is compiled once. Encoding writes Go's bytes (zero fields omitted, Body through the
// stream encoder so its type definitions are emitted on first use under our ids).
import {
  DecodeContext,
  GobError,
  GobInterface,
  GobStreamEncoder,
  STRING_SLICE,
  decodeInterface,
  decodeValue,
  type Cursor,
  type EncBuf,
  type GobStructType,
  type GobType,
  type ValueReader,
} from "./gob/index.ts";
import { CMD_ACK, CMD_MESSAGE, CMD_MSA, MESSAGE_TYPE, STRING_SLICE_NAME, type MeshMessage } from "./message.ts";

const F_RECIPIENTS = 0;
const F_SOURCE = 1;
const F_INSTANCE = 2;
const F_ROUTE = 3;
const F_ID = 4;
const F_COMMAND = 5;
const F_BODY = 6;
const SKIP = -1;

const TARGET: Record<string, number> = { Recipients: F_RECIPIENTS, Source: F_SOURCE, Instance: F_INSTANCE, CurrentRoute: F_ROUTE, ID: F_ID, Command: F_COMMAND, Body: F_BODY };

function compatible(target: number, t: GobType): boolean {
  switch (target) {
    case F_RECIPIENTS:
    case F_ROUTE:
      return t.kind === "slice" && t.elem.kind === "string";
    case F_SOURCE:
      return t.kind === "string";
    case F_INSTANCE:
    case F_ID:
      return t.kind === "uint";
    case F_COMMAND:
      return t.kind === "int";
    default:
      return t.kind === "interface";
  }
}

const plans = new WeakMap<GobStructType, Int8Array>();

function planFor(c: Cursor, t: GobType): Int8Array {
  if (t.kind !== "struct") c.fail("type-mismatch", `expected a Message struct, got a ${t.kind}`);
  let plan = plans.get(t);
  if (plan) return plan;
  plan = new Int8Array(t.fields.length).fill(SKIP);
  let matched = 0;
  t.fields.forEach((f, i) => {
    const target = Object.hasOwn(TARGET, f.name) ? TARGET[f.name]! : SKIP;
    if (target === SKIP) return;
    if (!compatible(target, f.type)) c.fail("type-mismatch", `wrong wire type (${f.type.kind}) for Message.${f.name}`);
    plan![i] = target;
    matched++;
  });
  if (matched === 0 && t.fields.length > 0) c.fail("type-mismatch", `no fields of ${t.name} match Message`);
  plans.set(t, plan);
  return plan;
}

function names(c: Cursor, what: string): string[] {
  const n = c.uint();
  if (n > c.remaining()) c.fail("truncated", `${n} ${what} announced, unit has ${c.remaining()} bytes`);
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = c.text(what);
  return out;
}

/** Reads one Message value (a ValueReader for GobStreamDecoder.next). */
export const readMessage: ValueReader<MeshMessage> = (ctx: DecodeContext, c: Cursor, t: GobType): MeshMessage => {
  const plan = planFor(c, t);
  const st = t as GobStructType;
  let recipients: string[] = [];
  let source = "";
  let instance = 0n;
  let route: string[] = [];
  let id = 0n;
  let command: number | bigint = 0;
  let body: GobInterface | null = null;
  let f = -1;
  while (c.remaining() > 0) {
    const at = c.pos;
    const delta = c.uint();
    if (delta === 0) break;
    f += delta;
    if (f >= plan.length) c.fail("corrupt", `field ${f} out of range for ${st.name} (${plan.length} fields)`, at);
    switch (plan[f]) {
      case F_RECIPIENTS:
        recipients = names(c, "recipient name");
        break;
      case F_SOURCE:
        source = c.text("source name");
        break;
      case F_INSTANCE:
        instance = c.uint64();
        break;
      case F_ROUTE:
        route = names(c, "route name");
        break;
      case F_ID:
        id = c.uint64();
        break;
      case F_COMMAND:
        command = c.intValue();
        break;
      case F_BODY:
        body = decodeInterface(ctx, c);
        break;
      default:
        decodeValue(ctx, c, st.fields[f]!.type);
    }
  }
  if (command === CMD_ACK) return { kind: "ack", id };
  if (command === CMD_MSA) {
    const v = body?.value;
    if (body === null || body.type.kind !== "slice" || body.type.elem.kind !== "string" || !Array.isArray(v) || !v.every((x) => typeof x === "string")) {
      return { kind: "other", command, id, source, reason: "MSA body is not a []string of UTF-8 names" };
    }
    return { kind: "msa", source, instance, route, id, neighbours: v as string[] };
  }
  if (command === CMD_MESSAGE) return { kind: "message", recipients, source, instance, route, id, body };
  return { kind: "other", command, id, source, reason: `unknown command ${command}` };
};

function strings(b: EncBuf, field: number, last: number, xs: readonly string[]): number {
  if (xs.length === 0) return last;
  b.uint(field - last);
  b.uint(xs.length);
  for (const x of xs) b.string(x);
  return field;
}

/** Encodes a Message on `enc`'s stream: the Message/[]string definitions first if this stream is new. */
export function encodeMessage(enc: GobStreamEncoder, m: MeshMessage): Uint8Array {
  if (m.kind === "other") throw new GobError("encode", "cannot encode an unrecognised message");
  return enc.encodeWith(MESSAGE_TYPE, (b) => {
    let last = -1;
    if (m.kind === "ack") {
      if (m.id !== 0n) {
        b.uint(F_ID - last);
        b.uint64(m.id);
      }
      b.uint(0);
      return;
    }
    if (m.kind === "message") last = strings(b, F_RECIPIENTS, last, m.recipients);
    if (m.source !== "") {
      b.uint(F_SOURCE - last);
      b.string(m.source);
      last = F_SOURCE;
    }
    if (m.instance !== 0n) {
      b.uint(F_INSTANCE - last);
      b.uint64(m.instance);
      last = F_INSTANCE;
    }
    last = strings(b, F_ROUTE, last, m.route);
    if (m.id !== 0n) {
      b.uint(F_ID - last);
      b.uint64(m.id);
      last = F_ID;
    }
    b.uint(F_COMMAND - last);
    b.int(m.kind === "msa" ? CMD_MSA : CMD_MESSAGE);
    last = F_COMMAND;
    const body = m.kind === "msa" ? new GobInterface(STRING_SLICE_NAME, STRING_SLICE, m.neighbours as string[]) : m.body;
    if (body !== null) {
      b.uint(F_BODY - last);
      enc.encodeInterface(b, body);
    }
    b.uint(0);
  });
}
