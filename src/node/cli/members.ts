// `gossamer members`: the cluster as an agent sees it (GET /v1/members on its --http listener), printed
// like `serf members`: name, address, status, tags; --detailed adds incarnation and the protocol and
// delegate version ranges; --status filters by state (a regular expression, as in serf); --format json
// prints the API's member objects.
import { CLIENT_USAGE, getJson, parseClientFlags, runClient } from "./client.ts";
import { UsageError } from "./flags.ts";
import { columns, tagText } from "./output.ts";

export const summary = "list the members an agent sees, like serf members (--http-addr --detailed --status --format json)";

const USAGE = `usage: gossamer members [flags]
  ${summary}
  --detailed         also incarnation, protocol (min/max/cur) and delegate versions
  --status REGEX     only members whose state matches (alive, suspect, dead, left)
${CLIENT_USAGE}`;

interface MemberJson {
  name: string;
  address: string;
  port: number;
  state: string;
  incarnation: number;
  tags: Record<string, string> | null;
  protocol: { min: number; max: number; cur: number };
  delegate: { min: number; max: number; cur: number };
}

const hostPort = (m: MemberJson) => (m.address.includes(":") ? `[${m.address}]:${m.port}` : `${m.address}:${m.port}`);

/** The text table for `members` (exported for tests). */
export function membersTable(members: readonly MemberJson[], detailed: boolean): string {
  const sorted = [...members].sort((a, b) => a.name.localeCompare(b.name));
  if (!detailed) return columns(["Name", "Address", "Status", "Tags"], sorted.map((m) => [m.name, hostPort(m), m.state, tagText(m.tags)]));
  const v = (r: { min: number; max: number; cur: number }) => `${r.min}/${r.max}/${r.cur}`;
  return columns(
    ["Name", "Address", "Status", "Incarnation", "Protocol", "Delegate", "Tags"],
    sorted.map((m) => [m.name, hostPort(m), m.state, String(m.incarnation), v(m.protocol), v(m.delegate), tagText(m.tags)]),
  );
}

export function run(argv: string[]): Promise<number> {
  return runClient("members", USAGE, async () => {
    const c = parseClientFlags(argv, { detailed: { env: [], boolean: true }, status: { env: [] } });
    if (c.args.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(c.args[0])}`);
    const statusText = c.flags.value("status");
    let status: RegExp | undefined;
    try {
      status = statusText === undefined ? undefined : new RegExp(statusText);
    } catch {
      throw new UsageError(`--status must be a regular expression, got ${JSON.stringify(statusText)}`);
    }
    const body = (await getJson(c, "/v1/members")) as { self: string; members: MemberJson[] };
    const members = body.members.filter((m) => !status || status.test(m.state));
    const detailed = /^(1|true)$/i.test(c.flags.value("detailed") ?? "0");
    process.stdout.write(c.format === "json" ? `${JSON.stringify({ self: body.self, members }, null, 2)}\n` : membersTable(members, detailed));
    return 0;
  });
}
