/** The lines a call printed with console.log (awaited when it returns a promise). */
export async function capture(f: () => void | Promise<void>): Promise<string> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.join(" "));
  try {
    await f();
    return lines.join("\n");
  } finally {
    console.log = log;
  }
}
