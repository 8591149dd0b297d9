/** Experiments: create, get (by id and by name), search, tag, delete. */
import { HandgestureError } from "../../../core/errors.js";
import { invalid, opt, paged, search, str, tags, viewType } from "../params.js";
import { done, type Handler, type Route } from "./shared.js";

const searchExperiments: Handler = async (p, s) => {
  str(p, "max_results"); // required by MLflow's handler
  return paged("experiments", await s.searchExperiments({ ...search(p), viewType: viewType(p, "view_type") }));
};

export const experiments: Record<string, Route> = {
  "experiments/create": {
    POST: async (p, s) => {
      // The store decides where artifacts live: a client-chosen location would let uploads land anywhere on disk.
      if (opt(p, "artifact_location")) {
        throw invalid("artifact_location cannot be set through this server: it keeps artifacts in its own store");
      }
      return { experiment_id: await s.createExperiment(str(p, "name"), tags(p)) };
    },
  },
  "experiments/get": { GET: async (p, s) => ({ experiment: await s.getExperiment(str(p, "experiment_id")) }) },
  "experiments/get-by-name": {
    GET: async (p, s) => {
      const name = str(p, "experiment_name");
      const experiment = await s.getExperimentByName(name);
      if (!experiment) {
        throw new HandgestureError(`Could not find experiment with name '${name}'`, "RESOURCE_DOES_NOT_EXIST");
      }
      return { experiment };
    },
  },
  "experiments/search": { POST: searchExperiments, GET: searchExperiments },
  "experiments/set-experiment-tag": {
    POST: (p, s) => done(s.setExperimentTag(str(p, "experiment_id"), str(p, "key"), opt(p, "value") ?? "")),
  },
  "experiments/delete": { POST: (p, s) => done(s.deleteExperiment(str(p, "experiment_id"))) },
};
