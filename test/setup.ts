import fc from "fast-check";

// Property tests explore new random cases on every local run; in CI they replay one fixed seed so a run can be
// reproduced exactly (a failure found locally prints its seed and path to replay it).
if (process.env.CI === "true") fc.configureGlobal({ seed: 20261124 });
