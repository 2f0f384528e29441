import type { FunctionGroup, RouteDefinition } from "../functions/http/route-table.ts";
import { safeDecode } from "./sigv4-verify.ts";

export type RouteMatch =
  | { kind: "match"; route: RouteDefinition<FunctionGroup>; pathParameters: Record<string, string> | null }
  | { kind: "method-not-allowed"; allow: string[] }
  | { kind: "not-found" };

interface CompiledRoute {
  route: RouteDefinition<FunctionGroup>;
  /** Literal segment, `{name}` (one segment) or `{name+}` (the rest of the path, last only). */
  segments: ({ literal: string } | { param: string; greedy: boolean })[];
}

/**
 * Matches a raw (still percent-encoded) path against API Gateway resource paths. Matching runs
 * on encoded segments, so `%2F` inside a model name never splits it; parameter values are then
 * decoded, as API Gateway hands them to Lambda. Literal segments win over parameters.
 */
export function createRouteMatcher(
  routes: readonly RouteDefinition<FunctionGroup>[],
): (method: string, rawPath: string) => RouteMatch {
  const compiled = routes.map(compile);
  return (method, rawPath) => {
    const segments = splitPath(rawPath);
    const candidates: { compiled: CompiledRoute; params: Record<string, string> }[] = [];
    for (const c of compiled) {
      const params = matchSegments(c, segments);
      if (params) candidates.push({ compiled: c, params });
    }
    if (candidates.length === 0) return { kind: "not-found" };
    // Several resources can match one path (`/models/latest` vs `/models/{model}`): like API
    // Gateway, take the most specific one, then look for the method on that resource only.
    const resource = candidates.map((c) => c.compiled).sort(bySpecificity)[0]!.route.path;
    const resources = candidates.filter((c) => c.compiled.route.path === resource);
    const hit = resources.find((c) => c.compiled.route.method === method.toUpperCase());
    if (!hit)
      return {
        kind: "method-not-allowed",
        allow: [...new Set(resources.map((c) => c.compiled.route.method))],
      };
    const hasParams = Object.keys(hit.params).length > 0;
    return { kind: "match", route: hit.compiled.route, pathParameters: hasParams ? hit.params : null };
  };
}

function compile(route: RouteDefinition<FunctionGroup>): CompiledRoute {
  return {
    route,
    segments: splitPath(route.path).map((segment) => {
      const param = /^\{([^{}+]+)(\+?)\}$/.exec(segment);
      return param ? { param: param[1]!, greedy: param[2] === "+" } : { literal: segment };
    }),
  };
}

/** `/models/` and `/models` are the same resource; empty segments (`//`) are kept so they cannot match a parameter. */
function splitPath(path: string): string[] {
  const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  return trimmed === "/" || trimmed === "" ? [] : trimmed.slice(1).split("/");
}

function matchSegments(compiled: CompiledRoute, segments: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [index, pattern] of compiled.segments.entries()) {
    if ("literal" in pattern) {
      if (segments[index] !== pattern.literal) return undefined;
      continue;
    }
    if (pattern.greedy) {
      const rest = segments.slice(index);
      if (rest.length === 0 || rest.some((s) => s === "")) return undefined;
      params[pattern.param] = safeDecode(rest.join("/"));
      return params;
    }
    const segment = segments[index];
    if (segment === undefined || segment === "") return undefined;
    params[pattern.param] = safeDecode(segment);
  }
  return segments.length === compiled.segments.length ? params : undefined;
}

/** Segment by segment from the left, a literal beats `{param}`, which beats `{param+}`. */
function bySpecificity(a: CompiledRoute, b: CompiledRoute): number {
  const rank = (s: CompiledRoute["segments"][number] | undefined) =>
    s === undefined ? 3 : "literal" in s ? 0 : s.greedy ? 2 : 1;
  for (let i = 0; i < Math.max(a.segments.length, b.segments.length); i++) {
    const difference = rank(a.segments[i]) - rank(b.segments[i]);
    if (difference !== 0) return difference;
  }
  return 0;
}
