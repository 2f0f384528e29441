import type { VersionRecord } from "./records.ts";
import type { Signature, VersionComparison } from "./schemas.ts";

type TensorSpec = Signature["inputs"][number];
type Change = VersionComparison["signature"]["changes"][number];

/**
 * Compares two versions: metric deltas (other − base), parameter differences, and signature
 * changes with a `breaking` flag. A change is breaking when a client written for `base` can
 * no longer call `other`: an input it does not send became required, an input or output
 * changed type or shape, or an output it reads disappeared.
 */
export function compareVersions(base: VersionRecord, other: VersionRecord): VersionComparison {
  const metrics: VersionComparison["metrics"] = {};
  for (const name of union(Object.keys(base.metrics), Object.keys(other.metrics))) {
    const a = own(base.metrics, name);
    const b = own(other.metrics, name);
    metrics[name] = { base: a, other: b, delta: a !== null && b !== null ? decimalDifference(b, a) : null };
  }

  const params: VersionComparison["params"] = {};
  for (const name of union(Object.keys(base.params), Object.keys(other.params))) {
    const a = own(base.params, name);
    const b = own(other.params, name);
    if (a !== b) params[name] = { base: a, other: b };
  }

  const changes = [
    ...diffTensors("inputs", base.signature?.inputs ?? [], other.signature?.inputs ?? []),
    ...diffTensors("outputs", base.signature?.outputs ?? [], other.signature?.outputs ?? []),
  ];

  return {
    model: base.model,
    base: base.version,
    other: other.version,
    metrics,
    params,
    signature: { changes, breaking: changes.some((c) => c.breaking) },
    format: { base: base.format ?? null, other: other.format ?? null },
    framework: { base: base.framework ?? null, other: other.framework ?? null },
  };
}

function diffTensors(side: "inputs" | "outputs", base: TensorSpec[], other: TensorSpec[]): Change[] {
  const before = new Map(base.map((t) => [t.name, t]));
  const after = new Map(other.map((t) => [t.name, t]));
  const changes: Change[] = [];
  for (const name of union([...before.keys()], [...after.keys()])) {
    const a = before.get(name);
    const b = after.get(name);
    if (a && !b) {
      // A removed input is harmless (callers may keep sending it); a removed output is not.
      changes.push({ side, name, change: "removed", breaking: side === "outputs", base: a });
    } else if (!a && b) {
      changes.push({ side, name, change: "added", breaking: side === "inputs" && !b.optional, other: b });
    } else if (a && b) {
      if (a.type !== b.type) {
        changes.push({ side, name, change: "typeChanged", breaking: true, base: a.type, other: b.type });
      }
      if (!sameShape(a.shape, b.shape)) {
        changes.push({ side, name, change: "shapeChanged", breaking: true, base: a.shape, other: b.shape });
      }
      if (Boolean(a.optional) !== Boolean(b.optional)) {
        changes.push({
          side,
          name,
          change: "optionalityChanged",
          // An input becoming required breaks callers; an output becoming optional breaks readers.
          breaking: side === "inputs" ? !b.optional : Boolean(b.optional),
          base: Boolean(a.optional),
          other: Boolean(b.optional),
        });
      }
    }
  }
  return changes;
}

const sameShape = (a?: number[], b?: number[]) =>
  (a ?? []).length === (b ?? []).length && (a ?? []).every((d, i) => d === (b ?? [])[i]);

const union = (a: string[], b: string[]) => [...new Set([...a, ...b])].sort();

/** The value under a user's key, never one inherited from Object.prototype (`constructor`, `toString`). */
function own<V>(map: Record<string, V>, key: string): V | null {
  return Object.hasOwn(map, key) ? (map[key] as V) : null;
}

/**
 * `x − y` to as many decimal places as the two numbers are written with: 0.91 − 0.87 is 0.04, not
 * the 0.040000000000000036 binary floating point gives. Numbers carry their shortest decimal
 * form (what JSON sent), so no digit a client wrote is lost.
 */
export function decimalDifference(x: number, y: number): number {
  const difference = x - y;
  if (!Number.isFinite(difference)) return difference;
  const places = Math.min(100, Math.max(decimalPlaces(x), decimalPlaces(y)));
  return Number(difference.toFixed(places));
}

/** Digits after the point in the shortest decimal form of `n` (`1.5e-7` has 8). */
function decimalPlaces(n: number): number {
  const [mantissa = "", exponent = "0"] = String(n).split("e");
  const fraction = mantissa.split(".")[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exponent));
}
