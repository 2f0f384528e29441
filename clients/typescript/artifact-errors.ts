import type { ArtifactCheck, ModelVersion } from "./types.ts";

/** A transfer that ended wrong on the client's side; `code` and `details` are for printing as JSON. */
export class ArtifactError extends Error {
  override readonly name: string = "ArtifactError";
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** The registry's error shape, so that a CLI prints client and server errors alike. */
  get body() {
    return { error: { code: this.code, message: this.message, ...this.details } };
  }
}

function describeCheck(check: ArtifactCheck): string {
  const expected = `${check.expected.size} bytes, sha256 ${check.expected.sha256}`;
  if (!check.actual) return `${check.path}: ${check.status} (expected ${expected}; nothing uploaded)`;
  const actual = `${check.actual.size} bytes${check.actual.sha256 ? `, sha256 ${check.actual.sha256}` : ""}`;
  return `${check.path}: ${check.status} (expected ${expected}; found ${actual})`;
}

/** The registry hashed the uploaded objects and some differ from their declaration. */
export class VerificationFailedError extends ArtifactError {
  override readonly name = "VerificationFailedError";
  constructor(readonly version: ModelVersion) {
    const wrong = (version.verification?.artifacts ?? []).filter((check) => check.status !== "verified");
    super(
      "VerificationFailed",
      `version ${version.version} of '${version.model}' FAILED verification: ${
        wrong.map(describeCheck).join("; ") || "no report"
      }. Upload the files again with 'registry versions upload'`,
      { artifacts: wrong },
    );
  }
}

/** A downloaded file whose size or SHA-256 is not what the registry declared; it was deleted. */
export class DownloadIntegrityError extends ArtifactError {
  override readonly name = "DownloadIntegrityError";
  constructor(
    readonly file: string,
    expected: { size: number; sha256: string },
    actual: { size: number; sha256: string },
  ) {
    super(
      "DownloadIntegrity",
      `${file}: expected ${expected.size} bytes with SHA-256 ${expected.sha256}, received ${actual.size} bytes with SHA-256 ${actual.sha256}; the file was deleted`,
      { file, expected, actual },
    );
  }
}
