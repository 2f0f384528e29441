/**
 * Helpers for reading synthesized CloudFormation in infra tests: intrinsic functions rendered to
 * comparable strings, IAM wildcard matching, and API Gateway resource paths.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FUNCTION_ENTRIES } from "../../functions/entry-points/entries.ts";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type CfnResource = { Type: string; Properties?: Record<string, Json> } & Record<string, Json>;

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Fails with one message naming every missing handler, instead of a bundling error about the
 * first. Infra tests must fail (not skip) when a route group has no handler to deploy.
 */
export function assertHandlerEntriesExist(): void {
  const missing = Object.values(FUNCTION_ENTRIES).filter((entry) => !existsSync(join(repoRoot, entry)));
  if (missing.length > 0) {
    throw new Error(
      `cannot synthesize the API stack: missing handler entry file(s) ${missing.join(", ")} ` +
        "(functions/entry-points/entries.ts lists one per function, each exporting `handler`)",
    );
  }
}

/**
 * Renders a CloudFormation value to a string: `Ref` → `{Ref:X}`, `Fn::GetAtt` → `{X.Attr}`,
 * `Fn::ImportValue` → `{Import:Name}`, `Fn::Join` joined. Enough to compare ARNs structurally.
 */
export function render(value: Json): string {
  if (typeof value === "string") return value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`cannot render ${JSON.stringify(value)}`);
  }
  if ("Ref" in value) return `{Ref:${render(value.Ref as Json)}}`;
  if ("Fn::GetAtt" in value) {
    const [resource, attribute] = value["Fn::GetAtt"] as [string, string];
    return `{${resource}.${attribute}}`;
  }
  if ("Fn::ImportValue" in value) return `{Import:${render(value["Fn::ImportValue"] as Json)}}`;
  if ("Fn::Join" in value) {
    const [separator, parts] = value["Fn::Join"] as [string, Json[]];
    return parts.map(render).join(separator);
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

/** IAM resource matching: `*` matches any run of characters (including `/`), `?` exactly one. */
export function iamPatternMatches(pattern: string, value: string): boolean {
  const regex = pattern
    .split("")
    .map((ch) => (ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${regex}$`).test(value);
}

/** A resource's Properties; throws (a clear test failure) when the resource or they are missing. */
export function propsOf(resource: CfnResource | undefined): Record<string, Json> {
  if (!resource?.Properties) throw new Error("resource or its Properties not found in the template");
  return resource.Properties;
}

export function asArray(value: Json | undefined): Json[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * Every API Gateway resource's full path (`/models/{model}`), by logical id, walking `ParentId`
 * up to the API's root resource (which is rendered as `/`).
 */
export function resourcePaths(resources: Record<string, CfnResource>): Map<string, string> {
  const parents = new Map<string, { parent: Json; part: string }>();
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== "AWS::ApiGateway::Resource") continue;
    const props = resource.Properties ?? {};
    parents.set(id, { parent: props.ParentId as Json, part: props.PathPart as string });
  }
  const pathOf = (id: string): string => {
    const entry = parents.get(id);
    if (!entry) throw new Error(`${id} is not an API Gateway resource`);
    const parent = render(entry.parent);
    const parentPath = parent.endsWith(".RootResourceId}")
      ? ""
      : pathOf(parent.replace(/^\{Ref:(.*)\}$/, "$1"));
    return `${parentPath}/${entry.part}`;
  };
  return new Map([...parents.keys()].map((id) => [id, pathOf(id)]));
}

/** A concrete request path for a route path: each `{param}` filled with a sample value. */
export function samplePath(path: string): string {
  return path.replace(/\{[^}]+\+\}/g, "a/b").replace(/\{[^}]+\}/g, "sample-1");
}
