import { type Command, listing, operand } from "./command.ts";

export const historyCommands: Command[] = [
  {
    words: ["history"],
    operands: ["MODEL"],
    options: ["limit", "all"],
    synopsis: "[--limit N] [--all]",
    run: (context) => {
      const model = operand(context, 0);
      return listing(context, (limit, nextToken) =>
        context.client().listHistory(model, { limit, nextToken }),
      );
    },
  },
];
