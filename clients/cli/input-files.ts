import { readFile } from "node:fs/promises";
import { UsageError } from "./usage-error.ts";

export type ReadStdin = () => Promise<string>;

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

/** The text of the file a flag names; `-` reads standard input. */
export async function readInput(flag: string, path: string, stdin: ReadStdin): Promise<string> {
  if (path === "-") return stdin();
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const reason = error instanceof Error && "code" in error ? String(error.code) : String(error);
    throw new UsageError(`--${flag} ${path}: cannot read the file (${reason})`);
  }
}

export async function readJsonObject(
  flag: string,
  path: string,
  stdin: ReadStdin,
): Promise<Record<string, unknown>> {
  const text = await readInput(flag, path, stdin);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `--${flag} ${path}: not valid JSON (${error instanceof Error ? error.message : error})`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError(`--${flag} ${path}: expected a JSON object`);
  }
  return value as Record<string, unknown>;
}
