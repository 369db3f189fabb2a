// Subcommand dispatch for `gossamer`. Each subcommand lives in src/node/cli/<name>.ts and exports
// `run(argv: string[]): Promise<number | void>` plus a one-line `summary`; `gossamer help CMD` is
// `gossamer CMD --help`. Exit codes: 0 done, 1 failed, 2 bad command line (the error names what was wrong).
import { didYouMean } from "./cli/flags.ts";
import { packageVersion } from "./version.ts";

type Command = { run(argv: string[]): Promise<number | void>; summary: string };

const commands: Record<string, () => Promise<Command>> = {
  agent: () => import("./cli/agent.ts"),
  members: () => import("./cli/members.ts"),
  state: () => import("./cli/state.ts"),
  route: () => import("./cli/route.ts"),
  relay: () => import("./cli/relay.ts"),
  mesh: () => import("./cli/mesh.ts"),
  keygen: () => import("./cli/keygen.ts"),
  version: async () => ({ summary: "print the gossamer version", run: async () => (console.log(versionText()), 0) }),
};

/** What --version prints: the package version and the Node running it. */
export function versionText(): string {
  return `gossamer v${packageVersion()}\nnode ${process.version}`;
}

async function usage(): Promise<string> {
  const lines = await Promise.all(
    Object.entries(commands).map(async ([n, l]) => `  ${n.padEnd(8)} ${(await l().catch(() => ({ summary: "(unavailable)" }))).summary}`),
  );
  return `usage: gossamer [--version] [--help] <command> [flags]

commands:
${lines.join("\n")}

'gossamer help <command>' shows a command's flags.`;
}

export async function main(argv: string[]): Promise<number | void> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-version" || name === "-v") return commands.version!().then((c) => c.run([]));
  if (name === undefined || name === "--help" || name === "-help" || name === "-h") {
    console.log(await usage());
    return 0;
  }
  if (name === "help") {
    const topic = rest[0];
    if (topic === undefined) {
      console.log(await usage());
      return 0;
    }
    const load = Object.hasOwn(commands, topic) ? commands[topic] : undefined;
    if (!load) return unknownCommand(topic);
    return (await load()).run(["--help"]);
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!load) return unknownCommand(name);
  return (await load()).run(rest);
}

function unknownCommand(name: string): number {
  const what = name.startsWith("-") ? `unknown flag ${name}` : `unknown command ${JSON.stringify(name)}`;
  console.error(`gossamer: ${what}${didYouMean(name, Object.keys(commands))}`);
  console.error("run 'gossamer --help' for the commands");
  return 2;
}
