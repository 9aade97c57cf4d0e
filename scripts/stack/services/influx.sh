# InfluxDB OSS 2.x built from source (Go + the Rust Flux engine): serves /api/v2/write, Flux, and
# InfluxQL on the v1-compatible /query endpoint. Every bucket gets a virtual DBRP mapping (database =
# bucket name, retention policy autogen), so /query?db=<bucket> works without POST /api/v2/dbrps.
influx_addr=127.0.0.1:8086
influx_org=lakegate
influx_bucket=lakegate
influx_token=lakegate-dev-token

influx_installed() {
  [ -x "$STACK_BIN/influxd" ] && [ "$(cat "$STACK_BIN/influxd.version" 2>/dev/null)" = "$INFLUXDB_VERSION" ]
}

influx_install() {
  command -v cargo >/dev/null || die "influx: building the Flux engine needs Rust (rustup with a stable toolchain)"
  apt_install pkg-config build-essential
  GOBIN="$STACK_BIN" GOTOOLCHAIN=local go install "github.com/influxdata/pkg-config@$INFLUX_PKG_CONFIG_VERSION"
  local src
  src=$(go_fetch_zip github.com/influxdata/influxdb/v2 "$INFLUXDB_VERSION" "$INFLUXDB_ZIP_SHA256")
  # Flux pins an old Rust toolchain and denies warnings: build it with the stable one, warnings allowed.
  # Without the `assets` tag there is no web UI, so nothing is downloaded during the build. The version
  # flag makes /health and the X-Influxdb-Version header say v2.7.x instead of "dev".
  PKG_CONFIG="$STACK_BIN/pkg-config" RUSTUP_TOOLCHAIN=stable CGO_ENABLED=1 \
    RUSTC_WRAPPER="$STACK_ROOT/influx/rustc-cap-lints" \
    go_build_in "$src" ./cmd/influxd "$STACK_BIN/influxd" "$INFLUXDB_VERSION" \
    -tags sqlite_foreign_keys,sqlite_json -ldflags "-X main.version=$INFLUXDB_VERSION"
}

influx_ready() { http_ok "http://$influx_addr/health"; }

# influxd reads config.{toml,yaml,json} from its working directory unless INFLUXD_CONFIG_PATH says
# otherwise: point it at the data folder, which has none, so only the flags below count.
influx_start() {
  local dir="$STACK_DATA/influx"
  mkdir -p "$dir"
  spawn influx env INFLUXD_CONFIG_PATH="$dir" "$STACK_BIN/influxd" \
    --http-bind-address="$influx_addr" \
    --bolt-path="$dir/influxd.bolt" \
    --sqlite-path="$dir/influxd.sqlite" \
    --engine-path="$dir/engine" \
    --reporting-disabled \
    --log-level=warn
}

influx_wait_seconds() { echo 60; }

# First start only: create the user, org, bucket and a known operator token.
influx_init() {
  local setup
  setup=$(curl -fsS "http://$influx_addr/api/v2/setup") || return 1
  grep -Eq '"allowed": *true' <<<"$setup" || return 0
  say "influx: first start, creating org $influx_org, bucket $influx_bucket and the token"
  curl -fsS -o /dev/null -X POST "http://$influx_addr/api/v2/setup" -H 'content-type: application/json' \
    -d "{\"username\":\"lakegate\",\"password\":\"lakegate-secret\",\"org\":\"$influx_org\",\"bucket\":\"$influx_bucket\",\"token\":\"$influx_token\"}"
}

influx_env() {
  echo "INFLUX_URL=http://$influx_addr"
  echo "INFLUX_TOKEN=$influx_token"
  echo "INFLUX_ORG=$influx_org"
}
