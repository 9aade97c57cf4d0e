# InfluxDB OSS 2.x built from source (Go + the Rust Flux engine): serves /api/v2/write, Flux, and
# InfluxQL on the v1-compatible /query endpoint through DBRP mappings.
influx_addr=127.0.0.1:8086
influx_org=lakegate
influx_bucket=lakegate
influx_token=lakegate-dev-token

influx_installed() {
  [ -x "$STACK_BIN/influxd" ] && [ "$(cat "$STACK_BIN/influxd.version" 2>/dev/null)" = "$INFLUXDB_VERSION" ]
}

influx_install() {
  apt_install pkg-config build-essential
  GOBIN="$STACK_BIN" GOTOOLCHAIN=local go install "github.com/influxdata/pkg-config@$INFLUX_PKG_CONFIG_VERSION"
  local src
  src=$(go_fetch_zip github.com/influxdata/influxdb/v2 "$INFLUXDB_VERSION" "$INFLUXDB_ZIP_SHA256")
  # Flux pins an old Rust toolchain and denies warnings: build it with the stable one, warnings allowed.
  # Without the `assets` tag there is no web UI, so nothing is downloaded during the build.
  PKG_CONFIG="$STACK_BIN/pkg-config" RUSTUP_TOOLCHAIN=stable CGO_ENABLED=1 \
    RUSTC_WRAPPER="$STACK_ROOT/influx/rustc-cap-lints" \
    go_build_in "$src" ./cmd/influxd "$STACK_BIN/influxd" "$INFLUXDB_VERSION" -tags sqlite_foreign_keys,sqlite_json
}

influx_ready() { http_ok "http://$influx_addr/health"; }

influx_start() {
  mkdir -p "$STACK_DATA/influx"
  spawn influx env INFLUXD_REPORTING_DISABLED=true "$STACK_BIN/influxd" \
    --http-bind-address="$influx_addr" \
    --bolt-path="$STACK_DATA/influx/influxd.bolt" \
    --sqlite-path="$STACK_DATA/influx/influxd.sqlite" \
    --engine-path="$STACK_DATA/influx/engine" \
    --log-level=warn
}

influx_wait_seconds() { echo 60; }

# First start only: create the user, org, bucket and a known token.
influx_init() {
  local allowed
  allowed=$(curl -fsS "http://$influx_addr/api/v2/setup" | grep -o '"allowed": *[a-z]*' | grep -o '[a-z]*$')
  [ "$allowed" = true ] || return 0
  curl -fsS -o /dev/null -X POST "http://$influx_addr/api/v2/setup" -H 'content-type: application/json' \
    -d "{\"username\":\"lakegate\",\"password\":\"lakegate-secret\",\"org\":\"$influx_org\",\"bucket\":\"$influx_bucket\",\"token\":\"$influx_token\"}"
}

influx_env() {
  echo "INFLUX_URL=http://$influx_addr"
  echo "INFLUX_TOKEN=$influx_token"
  echo "INFLUX_ORG=$influx_org"
}
