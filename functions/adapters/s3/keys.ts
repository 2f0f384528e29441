/**
 * Artifact object keys and URIs, apart from the S3 client: an event names an artifact by its
 * URI without loading the SDK (`buildCore()` loads the S3 adapter on first use).
 */

/** The one place artifact keys are built: everything of a version lives under its prefix. */
export const artifactObjectKey = (model: string, version: number, path: string) =>
  `models/${model}/versions/${version}/${path}`;

export const artifactUri = (bucket: string, model: string, version: number, path: string) =>
  `s3://${bucket}/${artifactObjectKey(model, version, path)}`;
