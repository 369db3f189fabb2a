// The package's portable entry (`import { memberlist, gossip, ... } from "gossamer"`): every subsystem of
// the core that runs in Node and in workerd alike, each as a namespace (their index.ts files are the
// public surface). The Node runtime is `gossamer/node`, the Cloudflare worker `gossamer/worker`.
export * as util from "./util/index.ts";
export * as net from "./net/index.ts";
export * as hotpath from "./hotpath/index.ts";
export * as platform from "./platform/index.ts";
export * as transport from "./transport/index.ts";
export * as memberlist from "./memberlist/index.ts";
export * as gossip from "./gossip/index.ts";
export * as state from "./state/index.ts";
export * as control from "./control/index.ts";
export * as api from "./api/index.ts";
export * as relay from "./relay/index.ts";
export * as mesh from "./mesh/index.ts";
export * as ckit from "./ckit/index.ts";
export * as ui from "./ui/index.ts";
