// The Node runtime: its platform (nodePlatform), the Node side of the runtime adapters (serveRelay: the
// same name and type as the worker's, see src/relay/service.ts), and the Node-only pieces built on the
// platform: the UDP/TCP transport, the agent (control plane, HTTP API, node:sqlite storage), the relay
// cluster fabric over TCP, the meshage node (TCP links, UDP solicitation, admin API), logging.
// Entry points (src/node/cli/*) and in-process tests import from here.
export { nodePlatform, type NodePlatformOptions } from "./platform.ts";
export { serveRelay, type RelayServer, type ServeRelayOptions } from "./relay-server.ts";
export { RelayCluster, type RelayClusterOptions } from "./relay-cluster.ts";
export { createTransport, POOL_MAGIC, type NodeTransport, type TransportOptions } from "./transport.ts";
export { startAgent, AGENT_DEFAULT_DELEGATE_VERSIONS, SERF_DELEGATE_VERSIONS, type Agent, type AgentOptions } from "./agent.ts";
export { registerAgentMetrics, type AgentMetricsSource } from "./agent-metrics.ts";
export { serveAgentHttp, memberJson, type AgentHttpServer, type AgentHttpSource } from "./agent-http.ts";
export { openControl, versionMismatchHint, STATE_STREAM_BYTES, type Control, type ControlOptions } from "./control.ts";
export { SqliteStateStorage, nodeSqliteStorageFactory, stateDbPath, loadSqlite, sqliteSupport, SqliteUnavailableError } from "./sqlite-storage.ts";
export { createLogger, resolveLogFormat, type LogOptions, type LogFormat } from "./log.ts";
export { hotpathModule } from "./hotpath.ts";
export { StreamBudget, processStreamBudget, type StreamBudgetStats } from "./stream-budget.ts";
export { startMeshNode, type MeshRunOptions, type RunningMesh } from "./mesh-node.ts";
export { NodeMeshTransport, type NodeMeshTransportOptions } from "./mesh-transport.ts";
