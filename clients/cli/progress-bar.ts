import type { TransferProgress } from "../typescript/transfer.ts";

/** Where a progress bar draws: standard error, which is a terminal or not. */
export interface ProgressTerminal {
  write(text: string): void;
  isTTY: boolean;
  /** Width of the terminal; default 80. */
  columns?: number;
}

export interface ProgressBar {
  update(progress: TransferProgress): void;
  /** Draws the final state and ends the line (nothing when nothing was drawn). */
  done(): void;
}

export interface ProgressBarOptions {
  now?: () => number;
  /** At most one redraw per interval: a fast transfer must not spend its time drawing. */
  intervalMs?: number;
}

const NO_BAR: ProgressBar = { update: () => {}, done: () => {} };
const BAR_WIDTH = 24;

/**
 * A single-line bar, redrawn in place with `\r`, on a terminal only: piped or redirected
 * output (CI logs, `2> file`) gets no bar at all rather than thousands of carriage returns.
 */
export function progressBar(
  label: string,
  terminal: ProgressTerminal,
  options: ProgressBarOptions = {},
): ProgressBar {
  if (!terminal.isTTY) return NO_BAR;
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? 100;
  let last: TransferProgress | undefined;
  let drawnAt = Number.NEGATIVE_INFINITY;
  let drawn = false;
  let behind = false;
  const draw = () => {
    if (!last) return;
    const width = Math.max(20, (terminal.columns ?? 80) - 1);
    terminal.write(`\r${renderProgressLine(label, last).slice(0, width)}\x1b[K`);
    drawnAt = now();
    drawn = true;
    behind = false;
  };
  return {
    update(progress) {
      last = progress;
      const finished = progress.total > 0 && progress.bytes >= progress.total;
      behind = true;
      if (finished || now() - drawnAt >= intervalMs) draw();
    },
    done() {
      if (behind) draw();
      if (drawn) terminal.write("\n");
      drawn = false;
    },
  };
}

/** `uploading [#########---------------]  37% 12.0 MiB/32.0 MiB  weights/model.onnx` */
export function renderProgressLine(label: string, progress: TransferProgress): string {
  const fraction = progress.total > 0 ? Math.min(1, Math.max(0, progress.bytes / progress.total)) : 1;
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}]`;
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `${label} ${bar} ${percent} ${formatBytes(progress.bytes)}/${formatBytes(progress.total)}  ${progress.path}`;
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** A status that changes now and then (a transition being waited for), on one line. */
export interface StatusLine {
  update(text: string): void;
  /** Ends the line (nothing when nothing was drawn). */
  done(): void;
}

const NO_STATUS: StatusLine = { update: () => {}, done: () => {} };

/** Like the progress bar: redrawn in place on a terminal, nothing at all into pipes and files. */
export function statusLine(terminal: ProgressTerminal): StatusLine {
  if (!terminal.isTTY) return NO_STATUS;
  let drawn = false;
  return {
    update(text) {
      const width = Math.max(20, (terminal.columns ?? 80) - 1);
      terminal.write(`\r${text.slice(0, width)}\x1b[K`);
      drawn = true;
    },
    done() {
      if (drawn) terminal.write("\n");
      drawn = false;
    },
  };
}
