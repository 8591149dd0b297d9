import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Command } from "commander";
import { HandgestureError } from "../../core/errors.js";
import type { LiveHand } from "../../core/landmarks.js";
import { row } from "../../core/matrix.js";
import { GestureRecognizer } from "../../core/recognize.js";
import { readLandmarkCsv } from "../../node/data.js";
import { readModel } from "../../node/model-io.js";

export function registerPredict(program: Command): void {
  program
    .command("predict")
    .description("name the gesture of each hand: one JSON line per hand with label, probability and top 3")
    .requiredOption("--model <model.json>", "model file written by `handgesture fit`")
    .option("--data <csv>", "landmark CSV in the dataset's pixel convention")
    .option(
      "--hands <file>",
      'JSON lines of live MediaPipe hands ({"landmarks": [[x,y,z] x21], "width", "height", "handedness"}); - for stdin',
    )
    .action(async (opts: { model: string; data?: string; hands?: string }) => {
      if (!opts.data === !opts.hands)
        throw new HandgestureError("give exactly one of --data <csv> or --hands <file|->");
      const { model } = await readModel(opts.model);
      const rec = new GestureRecognizer(model);
      const out: string[] = [];
      const flush = () => {
        if (out.length) process.stdout.write(`${out.join("\n")}\n`);
        out.length = 0;
      };
      if (opts.data) {
        const table = await readLandmarkCsv(opts.data);
        for (let i = 0; i < table.X.rows; i++) {
          const r = rec.recognizeRow(row(table.X, i));
          out.push(JSON.stringify({ line: table.lines[i], expected: table.labels[i], ...r }));
          if (out.length >= 1000) flush();
        }
        flush();
        return;
      }
      const source = opts.hands === "-" ? process.stdin : createReadStream(opts.hands as string);
      const name = opts.hands === "-" ? "stdin" : (opts.hands as string);
      source.on("error", () => {}); // reported by the readline loop below
      let lineNo = 0;
      try {
        for await (const text of createInterface({ input: source, crlfDelay: Number.POSITIVE_INFINITY })) {
          lineNo++;
          if (text.trim() === "") continue;
          let hand: LiveHand;
          try {
            hand = JSON.parse(text) as LiveHand;
          } catch (e) {
            throw new HandgestureError(`${name}:${lineNo}: not valid JSON: ${(e as Error).message}`);
          }
          let r: ReturnType<GestureRecognizer["recognize"]>;
          try {
            r = rec.recognize(hand);
          } catch (e) {
            throw new HandgestureError(`${name}:${lineNo}: ${(e as Error).message}`);
          }
          out.push(JSON.stringify(hand.handedness ? { handedness: hand.handedness, ...r } : r));
          if (out.length >= 1000) flush();
        }
      } catch (e) {
        flush();
        if (e instanceof HandgestureError) throw e;
        throw new HandgestureError(`cannot read ${name}: ${(e as Error).message}`);
      }
      flush();
    });
}
