"""lakegate_process: the DAG the lakegate `airflow` pipeline step triggers in tests.

It reads the run's conf (project, objectId, runId), waits about a second as a real job would,
and succeeds; `{"fail": true}` in the conf makes it fail.
"""

import time

import pendulum
from airflow.decorators import dag, task


@dag(
    dag_id="lakegate_process",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=16,
    default_args={"retries": 0},
    tags=["lakegate"],
)
def lakegate_process():
    @task
    def process(dag_run=None):
        conf = dag_run.conf or {}
        for key in ("project", "objectId", "runId"):
            if key not in conf:
                raise ValueError(f"dag_run.conf has no {key}")
        print(f"processing object {conf['objectId']} of {conf['project']} for run {conf['runId']}")
        time.sleep(1)
        if conf.get("fail"):
            raise RuntimeError("the conf asked this run to fail")
        return {"project": conf["project"], "objectId": conf["objectId"], "runId": conf["runId"]}

    process()


lakegate_process()
