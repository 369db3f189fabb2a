export const summary = "(not built yet)";
export async function run(_argv: string[]): Promise<number> {
  console.error("not built yet");
  return 2;
}
