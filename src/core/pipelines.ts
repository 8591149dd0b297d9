import { HandgestureError } from "./errors.js";
import type { Classifier, Transformer } from "./estimator.js";
import { AugmentedClassifier } from "./estimators/augmented.js";
import { RandomForestClassifier } from "./estimators/forest.js";
import { KNeighborsClassifier } from "./estimators/knn.js";
import { LogisticRegression } from "./estimators/logistic.js";
import { MLPClassifier } from "./estimators/mlp.js";
import { VotingClassifier } from "./estimators/voting.js";
import { HandShapeFeatures } from "./features/hand-shape.js";
import { LandmarkNormalizer } from "./features/seed-normalizer.js";
import { StandardScaler } from "./features/standard-scaler.js";
import type { ParamValue } from "./params.js";
import { Pipeline } from "./pipeline.js";

/** A named recipe: builds a fresh, unfitted pipeline with its default parameters. */
export interface PipelineRecipe {
  readonly name: string;
  readonly description: string;
  build(): Pipeline;
}

type StepMaker = readonly [string, () => Transformer | Classifier];

function recipe(name: string, description: string, steps: readonly StepMaker[]): PipelineRecipe {
  return Object.freeze({
    name,
    description,
    build: () => new Pipeline(steps.map(([n, make]) => [n, make()] as const)),
  });
}

const seedNormalizer: StepMaker = ["normalizer", () => new LandmarkNormalizer()];
const handShape: StepMaker = ["features", () => new HandShapeFeatures()];
const scaler: StepMaker = ["scaler", () => new StandardScaler()];

/**
 * The pipelines `fit`, `cv` and `train` know by name. The seed's three use its normalizer and the best
 * parameters of its own grids (5-fold CV on the dev sample); `handshape-vote`, the default, is the most accurate.
 */
export const PIPELINES: Readonly<Record<string, PipelineRecipe>> = Object.freeze({
  "handshape-vote": recipe(
    "handshape-vote",
    "hand-shape features; soft vote of small MLPs (depth as is, fingertip distances) and a random forest " +
      "(depth by spread, all distances): the most accurate, and unsure on hands unlike any gesture",
    [
      [
        "vote",
        () =>
          new VotingClassifier([
            [
              "mlp",
              new Pipeline([
                ["features", new HandShapeFeatures({ depth: "raw", distances: "tips" })],
                ["scaler", new StandardScaler()],
                [
                  "mlp",
                  new MLPClassifier({
                    hidden_units: 32,
                    alpha: 0.3,
                    learning_rate_init: 0.003,
                    max_iter: 100,
                    n_ensemble: 3,
                  }),
                ],
              ]),
            ],
            [
              "forest",
              new Pipeline([
                ["features", new HandShapeFeatures({ depth: "spread", distances: "all" })],
                ["rf", new RandomForestClassifier({ n_estimators: 100, random_state: 0 })],
              ]),
            ],
          ]),
      ],
    ],
  ),
  "handshape-vote-aug": recipe(
    "handshape-vote-aug",
    "the vote with depth divided by its spread in both members, the MLPs fitted on 4 augmented copies of each " +
      "hand too (turned up to 20°, stretched, jittered): knows gestures at angles the sample has few of",
    [
      [
        "vote",
        () =>
          new VotingClassifier([
            [
              "mlp",
              new AugmentedClassifier(
                new Pipeline([
                  ["features", new HandShapeFeatures({ depth: "spread", distances: "tips" })],
                  ["scaler", new StandardScaler()],
                  [
                    "mlp",
                    new MLPClassifier({
                      hidden_units: 32,
                      alpha: 0.3,
                      learning_rate_init: 0.003,
                      max_iter: 100,
                      n_ensemble: 3,
                    }),
                  ],
                ]),
                { copies: 4 },
              ),
            ],
            [
              "forest",
              new Pipeline([
                ["features", new HandShapeFeatures({ depth: "spread", distances: "all" })],
                ["rf", new RandomForestClassifier({ n_estimators: 100, random_state: 0 })],
              ]),
            ],
          ]),
      ],
    ],
  ),
  "handshape-mlp": recipe(
    "handshape-mlp",
    "hand-shape features (depth as is, fingertip distances), standardised, 5 small MLPs averaged",
    [
      ["features", () => new HandShapeFeatures({ depth: "raw" })],
      scaler,
      [
        "mlp",
        () =>
          new MLPClassifier({
            hidden_units: 64,
            alpha: 0.3,
            learning_rate_init: 0.003,
            max_iter: 100,
            n_ensemble: 5,
          }),
      ],
    ],
  ),
  "handshape-logreg": recipe(
    "handshape-logreg",
    "mirror-invariant hand-shape features, standardised, multinomial logistic regression",
    [handShape, scaler, ["logreg", () => new LogisticRegression({ C: 0.3, max_iter: 1000 })]],
  ),
  "seed-knn": recipe("seed-knn", "the seed's LandmarkNormalizer + k-nearest neighbours (k=3, euclidean, uniform)", [
    seedNormalizer,
    ["knn", () => new KNeighborsClassifier({ n_neighbors: 3 })],
  ]),
  "seed-logreg": recipe("seed-logreg", "the seed's LandmarkNormalizer + multinomial logistic regression", [
    seedNormalizer,
    ["logreg", () => new LogisticRegression({ C: 10, penalty: "none", max_iter: 1000 })],
  ]),
  "seed-rf": recipe("seed-rf", "the seed's LandmarkNormalizer + random forest (200 trees)", [
    seedNormalizer,
    ["rf", () => new RandomForestClassifier({ n_estimators: 200, random_state: 42 })],
  ]),
});

export const DEFAULT_PIPELINE = "handshape-vote-aug";

/** Builds a named pipeline and applies `step__param` overrides; unknown names list the known ones. */
export function buildPipeline(
  name: string = DEFAULT_PIPELINE,
  params: Readonly<Record<string, ParamValue>> = {},
): Pipeline {
  const r = PIPELINES[name];
  if (!r) {
    throw new HandgestureError(`unknown pipeline "${name}"; known pipelines: ${Object.keys(PIPELINES).join(", ")}`);
  }
  return r.build().setParams(params);
}
