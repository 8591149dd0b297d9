#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { HandgestureError } from "../core/errors.js";
import { VERSION } from "../node/version.js";
import { registerCv } from "./commands/cv.js";
import { registerData } from "./commands/data.js";
import { registerEvaluate } from "./commands/evaluate.js";
import { registerFit } from "./commands/fit.js";
import { registerMigrate } from "./commands/migrate.js";
import { registerPredict } from "./commands/predict.js";
import { registerServe } from "./commands/serve.js";
import { registerTracking } from "./commands/tracking.js";
import { registerTrain } from "./commands/train.js";
import { registerUi } from "./commands/ui.js";

/** Exit statuses: 0 ok, 1 unexpected failure (a bug), 2 bad input or usage (the message says what to fix). */
export function buildProgram(): Command {
  const program = new Command("handgesture")
    .description("hand-gesture recognition from MediaPipe hand landmarks")
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  registerData(program);
  registerFit(program);
  registerEvaluate(program);
  registerPredict(program);
  registerCv(program);
  registerTrain(program);
  registerTracking(program);
  registerMigrate(program);
  registerUi(program);
  registerServe(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof HandgestureError) {
      console.error(`error: ${e.message}`);
      return 2;
    }
    console.error(e);
    return 1;
  }
}

process.exitCode = await main(process.argv);
