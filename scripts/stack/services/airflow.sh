# Apache Airflow 2.x from PyPI, in a virtualenv: the scheduler (SequentialExecutor on a SQLite metadata
# database) and the webserver with the stable REST API (/api/v1, basic auth) on loopback. The DAGs are
# the repository's own, in scripts/stack/airflow/dags, copied into the data folder at every `up`: a running
# Airflow keeps finding them whichever checkout started it, and picks up changed ones.
airflow_port=8088
airflow_user=lakegate
airflow_password=lakegate-secret
airflow_venv=$STACK_HOME/airflow
airflow_home=$STACK_DATA/airflow

airflow_installed() {
  [ "$(cat "$airflow_venv/version" 2>/dev/null)" = "$AIRFLOW_VERSION" ]
}

# Airflow 2.10 runs on Python 3.8 to 3.12; the newest such interpreter on PATH.
airflow_python() {
  local py
  for py in python3.12 python3.11 python3.10 python3.9 python3; do
    "$py" -c 'import sys; sys.exit(not (3, 8) <= sys.version_info[:2] <= (3, 12))' 2>/dev/null && { echo "$py"; return 0; }
  done
  die "airflow: needs Python 3.8 to 3.12"
}

airflow_install() {
  local py log=$STACK_LOG/airflow-install.log
  py=$(airflow_python)
  # Debian's Python has venv without ensurepip until python3-venv is installed.
  "$py" -c 'import ensurepip' 2>/dev/null || apt_install python3-venv
  rm -rf "${airflow_venv:?}"
  "$py" -m venv "$airflow_venv"
  say "pip install apache-airflow $AIRFLOW_VERSION with $("$py" --version) (log: $log)"
  "$airflow_venv/bin/pip" install --disable-pip-version-check "apache-airflow==$AIRFLOW_VERSION" \
    -c "$STACK_ROOT/airflow/constraints.txt" >"$log" 2>&1 || { tail -n 30 "$log" >&2; die "pip failed for airflow"; }
  echo "$AIRFLOW_VERSION" >"$airflow_venv/version"
}

# Airflow's settings, as NAME=VALUE words for env. The executor starts `airflow tasks run` from PATH.
airflow_settings() {
  printf '%s\n' \
    "PATH=$airflow_venv/bin:$PATH" \
    "AIRFLOW_HOME=$airflow_home" \
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=sqlite:///$airflow_home/airflow.db" \
    "AIRFLOW__CORE__DAGS_FOLDER=$airflow_home/dags" \
    AIRFLOW__CORE__EXECUTOR=SequentialExecutor \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    AIRFLOW__API__AUTH_BACKENDS=airflow.api.auth.backend.basic_auth,airflow.api.auth.backend.session \
    AIRFLOW__WEBSERVER__WEB_SERVER_HOST=127.0.0.1 \
    "AIRFLOW__WEBSERVER__WEB_SERVER_PORT=$airflow_port" \
    AIRFLOW__WEBSERVER__WORKERS=1 \
    AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL=5 \
    AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL=5 \
    AIRFLOW__USAGE_DATA_COLLECTION__ENABLED=False
}

# airflow_spawn NAME ARGS... : `airflow ARGS...` detached, with those settings.
airflow_spawn() {
  local name=$1 settings
  shift
  mapfile -t settings < <(airflow_settings)
  spawn "$name" env "${settings[@]}" "$airflow_venv/bin/airflow" "$@"
}

# airflow_run LOG ARGS... : `airflow ARGS...` in the foreground, output to LOG.
airflow_run() {
  local log=$1 settings
  shift
  mapfile -t settings < <(airflow_settings)
  env "${settings[@]}" "$airflow_venv/bin/airflow" "$@" >>"$log" 2>&1 ||
    { tail -n 30 "$log" >&2; die "airflow $1 failed"; }
}

# Ready when the scheduler is healthy and an authenticated call finds the test DAG parsed.
airflow_ready() {
  local api="http://127.0.0.1:$airflow_port/api/v1"
  curl -fsS --max-time 3 "$api/health" 2>/dev/null | tr -d ' \n' | grep -q '"scheduler":{[^}]*"status":"healthy"' &&
    curl -fsS -o /dev/null --max-time 3 -u "$airflow_user:$airflow_password" "$api/dags/lakegate_process" 2>/dev/null
}

# The metadata database is migrated at each start (a no-op when current); the API user is made once.
# The scheduler serves no task logs over HTTP (that server would listen on every interface): the
# webserver reads them from disk.
airflow_start() {
  local log=$STACK_LOG/airflow-init.log
  airflow_stop
  mkdir -p "$airflow_home"
  airflow_sync_dags
  airflow_run "$log" db migrate
  if [ ! -f "$airflow_home/user-created" ]; then
    airflow_run "$log" users create --username "$airflow_user" --password "$airflow_password" --role Admin \
      --firstname Lake --lastname Gate --email "$airflow_user@example.invalid"
    touch "$airflow_home/user-created"
  fi
  airflow_spawn airflow-scheduler scheduler --skip-serve-logs
  airflow_spawn airflow-webserver webserver
}

# Waits for its own two jobs only: during `up` the shell's other jobs are the servers it just spawned.
airflow_stop() {
  local pids=()
  stop_pid airflow-webserver & pids+=($!)
  stop_pid airflow-scheduler & pids+=($!)
  wait "${pids[@]}"
}

airflow_wait_seconds() { echo 120; }
airflow_sync_dags() {
  mkdir -p "$airflow_home/dags"
  cp -f "$STACK_ROOT"/airflow/dags/*.py "$airflow_home/dags/"
}
airflow_init() { airflow_sync_dags; }
airflow_env() { echo "AIRFLOW_URL=http://$airflow_user:$airflow_password@127.0.0.1:$airflow_port"; }
