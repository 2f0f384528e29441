/**
 * Route-table paths (`/models/{model}/versions/{version}`) as API Gateway sees them: resource
 * path parts for building resources, and the resource-path part of `execute-api` ARNs for IAM.
 */

/** The path's parts, checked against API Gateway's rules so a bad route fails at synth. */
export function pathParts(path: string): string[] {
  if (!path.startsWith("/")) throw new Error(`route path '${path}' must start with '/'`);
  if (path === "/") return [];
  const parts = path.split("/").slice(1);
  parts.forEach((part, i) => {
    const isGreedy = /^\{[A-Za-z0-9_]+\+\}$/.test(part);
    const isParam = /^\{[A-Za-z0-9_]+\}$/.test(part);
    if (isGreedy && i !== parts.length - 1) {
      throw new Error(`route path '${path}': greedy '${part}' must be the last part`);
    }
    if (!isGreedy && !isParam && !/^[A-Za-z0-9._:-]+$/.test(part)) {
      throw new Error(`route path '${path}': invalid part '${part}'`);
    }
  });
  return parts;
}

/**
 * The resource path as it appears in an `execute-api` ARN: IAM sees the request's actual path
 * (`/models/fraud`), so each `{param}` becomes `*`. In IAM ARN matching `*` also spans `/`,
 * which is what `{param+}` needs.
 */
export function executeApiPath(path: string): string {
  const parts = pathParts(path).map((part) => (part.startsWith("{") ? "*" : part));
  return `/${parts.join("/")}`;
}
