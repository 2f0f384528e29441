import { type Command, listing, operand, PAGE_OPTIONS, PAGE_SYNOPSIS } from "./command.ts";

export const historyCommands: Command[] = [
  {
    words: ["history"],
    operands: ["MODEL"],
    options: [...PAGE_OPTIONS],
    synopsis: PAGE_SYNOPSIS,
    run: (context) => {
      const model = operand(context, 0);
      return listing(context, (limit, nextToken) =>
        context.client().listHistory(model, { limit, nextToken }),
      );
    },
  },
];
