"""The workload of bench/stores.ts on MLflow's own stores (SQLite and the file store), through MlflowClient.

    python3 bench/mlflow_stores.py <scratch dir> [runs]

Prints progress to stderr and one JSON object on the last line of stdout: {label: figures}. Needs an installed
MLflow (3.x); run by bench/stores.ts with MLFLOW_ALLOW_FILE_STORE=true.
"""
import json
import os
import sys
import time

import mlflow
from mlflow.entities import Metric, Param
from mlflow.tracking import MlflowClient

METRICS = 10_000
PARAMS = 1_000


def workload(client, runs):
    exp = client.create_experiment(f"bench-{time.time()}")
    t0 = int(time.time() * 1000)
    metrics = [Metric("loss", 1 / (i + 1), t0 + i, i) for i in range(METRICS)]
    params = [Param(f"p{i}", str(i)) for i in range(PARAMS)]
    big = client.create_run(exp).info.run_id
    s = time.perf_counter()
    for i in range(0, METRICS, 1000):
        client.log_batch(big, metrics=metrics[i : i + 1000])
    for i in range(0, PARAMS, 100):
        client.log_batch(big, params=params[i : i + 100])
    batched = time.perf_counter() - s

    s = time.perf_counter()
    for i in range(runs):
        run = client.create_run(exp, run_name=f"run-{i}").info.run_id
        client.log_param(run, "family", "knn" if i % 2 == 0 else "rf")
        client.log_metric(run, "f1", i / runs, timestamp=t0 + i, step=0)
    per_run = (time.perf_counter() - s) * 1000 / runs

    s = time.perf_counter()
    found = client.search_runs(
        [exp], "metrics.f1 > 0.5 and params.family = 'knn'", order_by=["metrics.f1 DESC"], max_results=1000
    )
    search = (time.perf_counter() - s) * 1000

    s = time.perf_counter()
    history = client.get_metric_history(big, "loss")
    hist = (time.perf_counter() - s) * 1000
    assert len(history) == METRICS, len(history)
    return {"batchedS": batched, "msPerRun": per_run, "searchMs": search, "historyMs": hist, "found": len(found)}


def main():
    scratch = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    os.makedirs(scratch, exist_ok=True)
    version = mlflow.__version__
    out = {}
    db = os.path.join(scratch, "mlflow.db")
    out[f"MLflow {version}: SQLite"] = workload(MlflowClient(tracking_uri=f"sqlite:///{db}"), runs)
    print("sqlite done", file=sys.stderr)
    out[f"MLflow {version}: file store"] = workload(
        MlflowClient(tracking_uri="file://" + os.path.join(scratch, "mlruns")), runs
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
