# FerretDB from the Go module proxy: a MongoDB-wire server over SQLite, for the metadata catalog.
mongo_port=27017

mongo_installed() {
  [ -x "$STACK_BIN/ferretdb" ] && [ "$(cat "$STACK_BIN/ferretdb.version" 2>/dev/null)" = "$FERRETDB_VERSION" ]
}
mongo_install() {
  local src
  src=$(go_fetch_zip github.com/FerretDB/FerretDB "$FERRETDB_VERSION" "$FERRETDB_ZIP_SHA256")
  # Release builds embed their version from this file, which the source zip leaves empty.
  echo "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  go_build_in "$src" ./cmd/ferretdb "$STACK_BIN/ferretdb" "$FERRETDB_VERSION"
}
mongo_ready() { node "$STACK_ROOT/mongo/mongo-ping.mjs" "$mongo_port" >/dev/null 2>&1; }
mongo_start() {
  # The SQLite URL must start with file:, end with / and name an existing folder.
  mkdir -p "$STACK_DATA/mongo/data"
  spawn mongo "$STACK_BIN/ferretdb" --handler=sqlite --sqlite-url="file:$STACK_DATA/mongo/data/" \
    --listen-addr="127.0.0.1:$mongo_port" --state-dir="$STACK_DATA/mongo" \
    --debug-addr=- --telemetry=disable --log-level=warn
}
mongo_wait_seconds() { echo 30; }
mongo_init() { :; }
mongo_env() { echo "MONGODB_URL=mongodb://127.0.0.1:$mongo_port/lakegate"; }
