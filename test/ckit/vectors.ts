// Loads the golden values recorded from real ckit packages (test/ckit/ckit-golden.json; how they were
// produced: docs/protocols/ckit.md §9).
import { readFileSync } from "node:fs";
import { hotpathModule } from "../../src/node/hotpath.ts";
import { simPlatform } from "../../src/platform/index.ts";
import type { Platform } from "../../src/platform/index.ts";

export const vectors = JSON.parse(readFileSync(new URL("./ckit-golden.json", import.meta.url), "utf8")) as CkitVectors;

export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, "hex"));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** Both hot paths: every vector test runs on the Wasm module and on the TS twin. */
export function platforms(): Array<[string, Platform]> {
  const wasm = simPlatform({ wasm: hotpathModule() });
  const ts = simPlatform();
  return [
    ["wasm", wasm],
    ["ts", ts],
  ];
}

export interface LookupResult {
  key: string;
  op: "Read" | "ReadWrite" | string;
  n: number;
  owners?: string[] | null;
  error?: string | null;
}

export interface CkitVectors {
  stringKeys: { input?: string; inputHex: string; inputLen: number; key: string; keyHex: string; builderKey?: string }[];
  lookups: {
    keys: { label: string; source: string; key: string }[];
    nodeSets: { id: string; peers: { name: string; state: string }[] }[];
    ops: Record<string, number>;
    counts: { mainLookups: number; mainLookupErrors: number };
    cases: { algorithm: string; nodeSet: string; sharderPeers: string[]; results: LookupResult[]; fullOrderFirst10: LookupResult[] }[];
    edgeCases: (LookupResult & { algorithm: string; nodeSet: string; sharderPeers?: string[] })[];
  };
  gossipMessages: {
    types: Record<string, number>;
    stateMessages: { note?: string; broadcastName: string; hex: string; msgpackHex: string; nodeName: string; parsedType: number; state: number; stateName: string; string: string; time: string }[];
    parse: { note: string; error: string | null; decodeError?: string | null; decoded?: { NewState: number; NodeName: string; Time: string }; hex: string; payloadHex?: string; type: number }[];
    localState: {
      id: string;
      decoded: { CurrentTime: string; NodeStates: { NewState: number; NodeName: string; Time: string; stateName: string }[] };
      observedEncodingsHex: string[];
      peersJSON: string;
      sortedByNameEncodingHex: string;
      steps: string[];
    }[];
    msgpackLibraryComparison: { cases: { note: string; equal: boolean; "v0.5.5": string; "v2.1.5": string }[] };
  };
  gossiphttpFrames: {
    handlerMessage: { note: string; bodyHex: string; contentType: string; packets: { from: string; hex: string }[]; protoMajor: number; status: number }[];
    messageFrames: Frame[];
    streamFrames: Frame[];
    streamReads: { note: string; error: string | null; frameHex: string; readHex: string }[];
    messageRequest: { contentType: string; method: string; url: string };
    streamRequest: { contentType: string; method: string; url: string };
    transportMetricsAfter: Record<string, number>;
  };
  peerJSON: {
    marshal: { note: string; input: { Addr: string; Name: string; Self: boolean; State: number }; json: string }[];
    marshalNilSlice: string;
    marshalPointer: string;
    marshalSlice: string;
    stateNumbers: Record<string, number>;
    stateStringUnknown: string;
    unmarshal: { error: string | null; json: string; result?: { Addr: string; Name: string; Self: boolean; State: number } }[];
  };
  metrics: {
    describe: { name: string; constLabels: string; help: string; variableLabels: string[] | null }[];
    gathered: { name: string; help: string; labelSets: string[]; type: string }[];
    gossipEventLabelValuesFromSource: string[];
    scrapedTypeLines: { name: string; type: string }[];
  };
}

export interface Frame {
  frameHex?: string;
  frameLen: number;
  frameSha256: string;
  headerHex: string;
  payloadLen: number;
}
