import { ValidationError } from "#core/errors.ts";

/** The issues of the ValidationError that `fn` throws; fails if it throws nothing or something else. */
export const issuesOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  throw new Error("expected a ValidationError");
};

/** A valid artifact declaration. */
export const artifact = { path: "model.onnx", size: 10, sha256: "a".repeat(64) };
