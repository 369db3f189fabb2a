// Subcommand dispatch for `gossamer`. Each subcommand lives in src/node/cli/<name>.ts and exports
// `run(argv: string[]): Promise<number | void>` plus a one-line `summary`.
const commands: Record<string, () => Promise<{ run(argv: string[]): Promise<number | void>; summary: string }>> = {
  agent: () => import("./cli/agent.ts"),
  relay: () => import("./cli/relay.ts"),
  keygen: () => import("./cli/keygen.ts"),
  mesh: () => import("./cli/mesh.ts"),
};

export async function main(argv: string[]): Promise<number | void> {
  const [name, ...rest] = argv;
  const load = name ? commands[name] : undefined;
  if (!load) {
    const lines = await Promise.all(
      Object.entries(commands).map(async ([n, l]) => `  ${n.padEnd(8)} ${(await l().catch(() => ({ summary: "(unavailable)" }))).summary}`),
    );
    console.error(`usage: gossamer <command> [flags]\n\ncommands:\n${lines.join("\n")}`);
    return name === undefined || name === "help" || name === "--help" ? 0 : 2;
  }
  return (await load()).run(rest);
}
