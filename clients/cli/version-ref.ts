import type { RegistryClient } from "../typescript/registry-client.ts";
import { STAGES } from "../typescript/transitions.ts";
import { parseVersion } from "./flag-values.ts";
import { UsageError } from "./usage-error.ts";

/** What `VERSION|ALIAS|STAGE` names: all digits a version, a stage name a stage, anything else an alias. */
export type VersionRef = { version: number } | { stage: string } | { alias: string };

export function parseVersionRef(name: string, raw: string): VersionRef {
  if (/^\d+$/.test(raw)) return { version: parseVersion(name, raw) };
  if ((STAGES as readonly string[]).includes(raw)) return { stage: raw };
  return { alias: raw };
}

/**
 * The version number a reference stands for. A stage means the newest version in it (the only
 * one in production); an alias is resolved once, so later calls use the same version even if
 * the alias moves meanwhile.
 */
export async function resolveVersionRef(
  client: RegistryClient,
  model: string,
  ref: VersionRef,
): Promise<number> {
  if ("version" in ref) return ref.version;
  if ("alias" in ref) return (await client.getAlias(model, ref.alias)).version;
  const page = await client.listVersions(model, { stage: ref.stage, limit: 1 });
  const found = page.items[0];
  if (!found) throw new UsageError(`no version of '${model}' is in ${ref.stage}`);
  return found.version;
}

/** `--stage S`: one of the stages, checked before anything is sent. */
export function checkStage(flag: string, value: string | undefined): string | undefined {
  if (value !== undefined && !(STAGES as readonly string[]).includes(value))
    throw new UsageError(`${flag}: ${JSON.stringify(value)} is not a stage (stages: ${STAGES.join(", ")})`);
  return value;
}
