import { describe, expect, it } from "vitest";
import { formatBytes, progressBar, renderProgressLine } from "../../../clients/cli/progress-bar.ts";

const at = (bytes: number, total = 4 * 1024 ** 2) => ({
  path: "weights/model.onnx",
  fileBytes: bytes,
  fileTotal: total,
  bytes,
  total,
});

function terminal(isTTY: boolean) {
  let text = "";
  let time = 0;
  return {
    output: {
      write: (chunk: string) => {
        text += chunk;
      },
      isTTY,
      columns: 100,
    },
    now: () => time,
    advance: (ms: number) => {
      time += ms;
    },
    text: () => text,
  };
}

describe("the progress bar", () => {
  it("draws one line on a terminal, redrawn in place with a carriage return and ended by a newline", () => {
    const tty = terminal(true);
    const bar = progressBar("uploading", tty.output, { now: tty.now });
    bar.update(at(1024 ** 2));
    bar.done();
    expect(tty.text()).toBe(`\r${renderProgressLine("uploading", at(1024 ** 2))}\x1b[K\n`);
    expect(renderProgressLine("uploading", at(1024 ** 2))).toBe(
      "uploading [######------------------]  25% 1.0 MiB/4.0 MiB  weights/model.onnx",
    );
  });

  it("draws nothing at all when standard error is piped", () => {
    const piped = terminal(false);
    const bar = progressBar("uploading", piped.output, { now: piped.now });
    bar.update(at(1));
    bar.update(at(4 * 1024 ** 2));
    bar.done();
    expect(piped.text()).toBe("");
  });

  it("redraws at most once per interval, but always shows the end", () => {
    const tty = terminal(true);
    const bar = progressBar("uploading", tty.output, { now: tty.now, intervalMs: 100 });
    bar.update(at(1));
    bar.update(at(2));
    tty.advance(50);
    bar.update(at(3));
    tty.advance(60);
    bar.update(at(4));
    bar.update(at(4 * 1024 ** 2));
    bar.done();
    const frames = tty.text().split("\r").filter(Boolean);
    expect(frames).toHaveLength(3);
    expect(frames.at(-1)).toBe(`${renderProgressLine("uploading", at(4 * 1024 ** 2))}\x1b[K\n`);
  });

  it("fits the line to the terminal's width", () => {
    const tty = terminal(true);
    const bar = progressBar("uploading", { ...tty.output, columns: 30 }, { now: tty.now });
    bar.update(at(1));
    expect(tty.text()).toBe(`\r${renderProgressLine("uploading", at(1)).slice(0, 29)}\x1b[K`);
  });

  it("writes sizes in binary units", () => {
    expect([0, 1023, 1024, 20 * 1024 ** 2, 3.5 * 1024 ** 3].map(formatBytes)).toEqual([
      "0 B",
      "1023 B",
      "1.0 KiB",
      "20.0 MiB",
      "3.5 GiB",
    ]);
  });
});
