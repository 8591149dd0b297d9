import type { Estimator, EstimatorClass } from "./estimator.js";
import { RandomForestClassifier } from "./estimators/forest.js";
import { KNeighborsClassifier } from "./estimators/knn.js";
import { LogisticRegression } from "./estimators/logistic.js";
import { MLPClassifier } from "./estimators/mlp.js";
import { HandShapeFeatures } from "./features/hand-shape.js";
import { LandmarkNormalizer } from "./features/seed-normalizer.js";
import { StandardScaler } from "./features/standard-scaler.js";

/** Every estimator type a model file may name, mapped to its class (for fromJSON and param specs). */
export const ESTIMATORS: Readonly<Record<string, EstimatorClass<Estimator>>> = Object.freeze({
  LandmarkNormalizer,
  HandShapeFeatures,
  StandardScaler,
  KNeighborsClassifier,
  LogisticRegression,
  RandomForestClassifier,
  MLPClassifier,
});
