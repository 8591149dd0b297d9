#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { HandgestureError } from "../core/errors.js";
import { VERSION } from "../node/version.js";

type Register = (program: Command) => void;

/**
 * Each command's module, loaded only when that command runs (the whole set for help or an unknown word): a command
 * that lists runs need not load the training and serving code first, which was most of its start-up time.
 */
const COMMANDS: Readonly<Record<string, () => Promise<Register>>> = {
  data: async () => (await import("./commands/data.js")).registerData,
  fit: async () => (await import("./commands/fit.js")).registerFit,
  evaluate: async () => (await import("./commands/evaluate.js")).registerEvaluate,
  predict: async () => (await import("./commands/predict.js")).registerPredict,
  cv: async () => (await import("./commands/cv.js")).registerCv,
  train: async () => (await import("./commands/train.js")).registerTrain,
  experiments: async () => (await import("./commands/tracking.js")).registerTracking,
  runs: async () => (await import("./commands/tracking.js")).registerTracking,
  models: async () => (await import("./commands/tracking.js")).registerTracking,
  migrate: async () => (await import("./commands/migrate.js")).registerMigrate,
  ui: async () => (await import("./commands/ui.js")).registerUi,
  serve: async () => (await import("./commands/serve.js")).registerServe,
};

/** Exit statuses: 0 ok, 1 unexpected failure (a bug), 2 bad input or usage (the message says what to fix). */
export async function buildProgram(command?: string): Promise<Command> {
  const program = new Command("handgesture")
    .description("hand-gesture recognition from MediaPipe hand landmarks")
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  const wanted =
    command !== undefined && Object.hasOwn(COMMANDS, command) ? [COMMANDS[command]] : Object.values(COMMANDS);
  const registers = new Set(await Promise.all(wanted.map((load) => load())));
  for (const register of registers) register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await (await buildProgram(argv[2])).parseAsync(argv);
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
