/** The fastclaw-relay command line: parses arguments and dispatches to one command module. */
export async function main(argv: string[]): Promise<number> {
  const { default: yargs } = await import("yargs");
  await yargs(argv).scriptName("fastclaw-relay").strict().help().parseAsync();
  return 0;
}
