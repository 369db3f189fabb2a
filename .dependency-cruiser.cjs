// Module boundaries of gossamer, checked by `npm run lint:deps` (part of `npm test`).
//
// Layout: every top-level folder of src/ is a subsystem (util, net, hotpath, platform, transport, gossip,
// state, memberlist, relay, node). A subsystem is used from outside only through its index.ts; inside a
// subsystem (sub-folders included) files import each other freely. worker/ and bin/ are entry points:
// they import subsystems through their index.ts too. Tests and benches may import deep paths.
//
// Rules:
// - no import cycles anywhere in src/, worker/ and bin/ (type-only imports included: a type cycle is
//   still a layering mistake);
// - no deep imports across subsystems (src/X/... -> src/Y/file.ts; only src/Y/index.ts);
// - the portable core (src/ except src/node/, and worker/) uses no Node built-ins and none of the
//   Node-only libraries (ws, pino, prom-client, @hono/node-server);
// - production code never imports tests, benches or the worker from src/.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Import cycle: invert the dependency or move the shared part to the lower layer.",
      from: { path: "^(src|worker|bin)/" },
      to: { circular: true },
    },
    {
      name: "no-deep-cross-subsystem",
      severity: "error",
      comment: "Import another subsystem through its index.ts (src/Y/index.ts), not its internals.",
      from: { path: "^src/([^/]+)/" },
      to: { path: "^src/[^/]+/", pathNot: ["^src/$1/", "^src/[^/]+/index\\.ts$"] },
    },
    {
      name: "worker-through-index",
      severity: "error",
      comment: "The worker imports src/ subsystems through their index.ts only.",
      from: { path: "^worker/" },
      to: { path: "^src/", pathNot: "^src/[^/]+/index\\.ts$" },
    },
    {
      name: "bin-through-cli",
      severity: "error",
      comment: "bin/ only starts the Node CLI.",
      from: { path: "^bin/" },
      to: { path: "^src/", pathNot: "^src/node/(cli|index)\\.ts$" },
    },
    {
      name: "portable-core-no-node-builtins",
      severity: "error",
      comment: "Everything outside src/node/ runs in workerd too: Web-standard APIs only.",
      from: { path: "^(src/|worker/)", pathNot: "^src/node/" },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "portable-core-no-node-libraries",
      severity: "error",
      comment: "ws, pino, prom-client and @hono/node-server are Node-only: use them in src/node/ alone.",
      from: { path: "^(src/|worker/)", pathNot: "^src/node/" },
      to: { path: "(^|/)node_modules/(ws|pino|prom-client|@hono/node-server)/" },
    },
    {
      name: "src-not-to-tests-or-worker",
      severity: "error",
      comment: "Production code does not depend on tests, benches or the worker.",
      from: { path: "^src/" },
      to: { path: "^(test|bench|worker)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|build|assembly)/" },
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default"],
      extensions: [".ts", ".js", ".json"],
    },
    moduleSystems: ["es6"],
    parser: "swc",
  },
};
