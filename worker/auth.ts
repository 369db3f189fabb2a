// The bearer-token check lives with the portable store API (src/api/auth.ts); re-exported for the worker.
export { bearerMatches, bearerMatchesSync } from "../src/api/index.ts";
