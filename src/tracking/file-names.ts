/** Generated names and ids for the file store: run and logged-model names, experiment ids, the default user. */
import { randomInt } from "node:crypto";
import { userInfo } from "node:os";

const ADJECTIVES =
  "amber brave calm dapper eager fleet gentle hazy idle jolly keen lively mellow nimble orderly placid quiet rustic sunny tidy upbeat vivid witty zesty".split(
    " ",
  );
const NOUNS =
  "otter heron lynx finch badger comet delta ember fjord grove harbor island lagoon meadow nebula orchid pebble quarry river summit thicket valley willow yak".split(
    " ",
  );

/** MLflow-like `<adjective>-<noun>-<n>` (runs, and logged models created without a name). */
export function randomRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`;
}

/** A random 18-digit numeric id, as MLflow's file store gives experiments. */
export function randomExperimentId(): string {
  let s = String(1 + randomInt(9));
  while (s.length < 18) s += String(randomInt(10));
  return s;
}

export function defaultUser(): string {
  try {
    return userInfo().username || "unknown";
  } catch {
    return "unknown";
  }
}
