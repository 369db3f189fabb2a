// `gossamer route IP`: see state.ts (one module renders the store API for both commands).
export { routeSummary as summary, runRoute as run } from "./state.ts";
