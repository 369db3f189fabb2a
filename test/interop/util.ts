// Shared helpers for the interop tests: in-process gossamer members on real sockets (so tests can reach
// their delegate hooks), and log capture.
import { startAgent, type Agent, type AgentOptions } from "../../src/node/agent.ts";
import type { MemberInfo } from "../../src/memberlist/config.ts";

import { captureLogger, type LogLine } from "../helpers/capture-logger.ts";
import { testPlatform } from "../helpers/platform.ts";

export { captureLogger, type LogLine };

export interface TsNode {
  agent: Agent;
  name: string;
  addr: string;
  logs: LogLine[];
  messages: string[];
  states: Array<{ state: string; join: boolean }>;
  member(name: string): MemberInfo | undefined;
}

const td = new TextDecoder();
const started: Agent[] = [];

/**
 * An in-process gossamer member bound to 127.0.0.1:0: local profile with a 5 s TCP timeout (like the Go
 * peers), plain memberlist delegate versions unless given.
 */
export async function startTs(name: string, o: Partial<AgentOptions> = {}): Promise<TsNode> {
  const logs: LogLine[] = [];
  const messages: string[] = [];
  const states: Array<{ state: string; join: boolean }> = [];
  const agent = await startAgent(testPlatform({ logger: captureLogger(logs, { node: name }) }), {
    node: name,
    bind: "127.0.0.1:0",
    profile: "local",
    delegateVersions: [0, 0, 0],
    overrides: { tcpTimeout: 5_000 },
    onUserMessage: (b) => messages.push(td.decode(b)),
    onRemoteState: (b, join) => states.push({ state: td.decode(b), join }),
    ...o,
  });
  started.push(agent);
  const { port } = agent.transport.bound();
  return {
    agent,
    name,
    addr: `127.0.0.1:${port}`,
    logs,
    messages,
    states,
    member: (n) => agent.memberlist.members().find((m) => m.name === n),
  };
}

/** Shuts down every in-process member started here (afterAll). */
export async function stopAllTs(): Promise<void> {
  await Promise.all(started.splice(0).map((a) => a.shutdown().catch(() => {})));
}
