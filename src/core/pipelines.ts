import { HandgestureError } from "./errors.js";
import type { Classifier, Transformer } from "./estimator.js";
import { RandomForestClassifier } from "./estimators/forest.js";
import { KNeighborsClassifier } from "./estimators/knn.js";
import { LogisticRegression } from "./estimators/logistic.js";
import { MLPClassifier } from "./estimators/mlp.js";
import { HandShapeFeatures } from "./features/hand-shape.js";
import { LandmarkNormalizer } from "./features/seed-normalizer.js";
import { StandardScaler } from "./features/standard-scaler.js";
import type { ParamSpecs, ParamValue } from "./params.js";
import { Pipeline } from "./pipeline.js";

/** A named recipe: builds a fresh, unfitted pipeline with its default parameters. */
export interface PipelineRecipe {
  readonly name: string;
  readonly description: string;
  /** Step name → [type name, param specs], for --help and validation without building. */
  readonly steps: ReadonlyArray<{ name: string; type: string; specs: ParamSpecs }>;
  build(): Pipeline;
}

type StepMaker = readonly [string, () => Transformer | Classifier, string, ParamSpecs];

function recipe(name: string, description: string, steps: readonly StepMaker[]): PipelineRecipe {
  return Object.freeze({
    name,
    description,
    steps: steps.map(([n, , type, specs]) => ({ name: n, type, specs })),
    build: () => new Pipeline(steps.map(([n, make]) => [n, make()] as const)),
  });
}

const seedNormalizer: StepMaker = ["normalizer", () => new LandmarkNormalizer(), "LandmarkNormalizer", {}];
const handShape: StepMaker = ["features", () => new HandShapeFeatures(), "HandShapeFeatures", HandShapeFeatures.specs];
const scaler: StepMaker = ["scaler", () => new StandardScaler(), "StandardScaler", {}];

/**
 * The pipelines `fit`, `cv` and `train` know by name. The seed's three use its normalizer and the best
 * parameters of its own grids (5-fold CV on the dev sample); `handshape-mlp` is the default, the most accurate.
 */
export const PIPELINES: Readonly<Record<string, PipelineRecipe>> = Object.freeze({
  "handshape-mlp": recipe(
    "handshape-mlp",
    "mirror-invariant hand-shape features (coordinates, depth, fingertip distances), standardised, 5 small MLPs",
    [
      ["features", () => new HandShapeFeatures(), "HandShapeFeatures", HandShapeFeatures.specs],
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
        "MLPClassifier",
        MLPClassifier.specs,
      ],
    ],
  ),
  "handshape-logreg": recipe(
    "handshape-logreg",
    "mirror-invariant hand-shape features, standardised, multinomial logistic regression",
    [
      handShape,
      scaler,
      [
        "logreg",
        () => new LogisticRegression({ C: 0.3, max_iter: 1000 }),
        "LogisticRegression",
        LogisticRegression.specs,
      ],
    ],
  ),
  "seed-knn": recipe("seed-knn", "the seed's LandmarkNormalizer + k-nearest neighbours (k=3, euclidean, uniform)", [
    seedNormalizer,
    ["knn", () => new KNeighborsClassifier({ n_neighbors: 3 }), "KNeighborsClassifier", KNeighborsClassifier.specs],
  ]),
  "seed-logreg": recipe("seed-logreg", "the seed's LandmarkNormalizer + multinomial logistic regression", [
    seedNormalizer,
    [
      "logreg",
      () => new LogisticRegression({ C: 10, penalty: "none", max_iter: 1000 }),
      "LogisticRegression",
      LogisticRegression.specs,
    ],
  ]),
  "seed-rf": recipe("seed-rf", "the seed's LandmarkNormalizer + random forest (200 trees)", [
    seedNormalizer,
    [
      "rf",
      () => new RandomForestClassifier({ n_estimators: 200, random_state: 42 }),
      "RandomForestClassifier",
      RandomForestClassifier.specs,
    ],
  ]),
});

export const DEFAULT_PIPELINE = "handshape-mlp";

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
