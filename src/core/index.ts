/**
 * handgesture's isomorphic core: landmarks, features, estimators, pipelines, metrics and the model file.
 * No Node APIs and no DOM: the same code runs in training, in the CLI and server, and in the browser.
 */

export * from "./augment.js";
export * from "./csv.js";
export * from "./digest.js";
export * from "./errors.js";
export * from "./estimator.js";
export { AugmentedClassifier } from "./estimators/augmented.js";
export { RandomForestClassifier } from "./estimators/forest.js";
export { KNeighborsClassifier } from "./estimators/knn.js";
export { LogisticRegression } from "./estimators/logistic.js";
export { MLPClassifier } from "./estimators/mlp.js";
export { HandShapeFeatures } from "./features/hand-shape.js";
export { LandmarkNormalizer } from "./features/seed-normalizer.js";
export { StandardScaler } from "./features/standard-scaler.js";
export * from "./gesture-events.js";
export * from "./grid.js";
export * from "./grid-search.js";
export * from "./hand-geometry.js";
export * from "./holdout.js";
export * from "./inspect.js";
export * from "./labels.js";
export * from "./landmarks.js";
export * from "./matrix.js";
export * from "./metrics.js";
export * from "./model-file.js";
export * from "./model-selection.js";
export * from "./negatives.js";
export * from "./params.js";
export { Pipeline } from "./pipeline.js";
export * from "./pipelines.js";
export * from "./profile.js";
export * from "./random.js";
export * from "./recognize.js";
export { ESTIMATORS } from "./registry.js";
export * from "./rejection.js";
export * from "./rejection-metrics.js";
export * from "./smoothing.js";
export * from "./warm-up.js";
