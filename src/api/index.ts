// The store HTTP API shared by the worker's Durable Object and the Node agent: routes (store-api.ts),
// the watch stream's frames and fan-out (watch.ts), bearer auth (auth.ts), the JSON error shape.
export { storeApi, MAX_MESSAGES_BODY, type StoreHost } from "./store-api.ts";
export { WatchHub, helloFrame, resetFrame, changesFrame, catchUpFrame, changedEnvelopes, isWatchFormat, WATCH_MAX_BUFFERED } from "./watch.ts";
export type { WatchFormat, WatchSocket } from "./watch.ts";
export { bearerMatches, bearerMatchesSync } from "./auth.ts";
export { readBodyLimited } from "./body.ts";
export { storeAuthPolicy, type StoreAuthOptions } from "./auth-policy.ts";
export { errorBody, errorResponse, type ErrorBody } from "./errors.ts";
