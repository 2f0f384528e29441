/**
 * A start-up problem the developer can fix (Java missing, port taken, bad principals file).
 * The message is one sentence that says what to do; `npm start` prints it without a stack trace.
 */
export class LocalModeError extends Error {
  override readonly name = "LocalModeError";
}
