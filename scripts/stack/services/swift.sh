# OpenStack Swift from Debian with its S3 layer (s3api + tempauth): one node, one device, one replica.
# Tempauth keeps tokens in memcached, which runs as part of this service.
swift_root=$STACK_DATA/swift
swift_servers=(account container object proxy)

swift_installed() {
  local c
  for c in swift-ring-builder swift-{account,container,object,proxy}-server memcached; do
    command -v "$c" >/dev/null || return 1
  done
}
swift_install() { apt_install swift swift-proxy swift-account swift-container swift-object memcached; }

# The healthcheck bypasses auth, so a signed ListBuckets also proves s3api, tempauth and memcached.
swift_ready() {
  http_ok http://127.0.0.1:8080/healthcheck && node "$STACK_ROOT/swift/s3-ping.mjs" 8080 >/dev/null 2>&1
}

swift_configure() {
  mkdir -p "$swift_root/conf" "$swift_root/node/sdb1"
  local f
  for f in "$STACK_ROOT"/swift/*.conf; do
    sed "s|@ROOT@|$swift_root|g" "$f" >"$swift_root/conf/$(basename "$f")"
  done
  local ring port
  for ring in account:6202 container:6201 object:6200; do
    port=${ring#*:} ring=${ring%%:*}
    [ -f "$swift_root/conf/$ring.ring.gz" ] && continue
    (cd "$swift_root/conf" &&
      swift-ring-builder "$ring.builder" create 10 1 1 &&
      swift-ring-builder "$ring.builder" add "r1z1-127.0.0.1:$port/sdb1" 100 &&
      swift-ring-builder "$ring.builder" rebalance) >/dev/null
  done
}

swift_start() {
  swift_configure
  export SWIFT_CONF_FILE=$swift_root/conf/swift.conf
  pid_alive swift-memcached || spawn swift-memcached memcached -u root -l 127.0.0.1 -p 11211
  local s
  for s in "${swift_servers[@]}"; do
    # -v logs to the console (our log file) instead of a syslog that is not running.
    pid_alive "swift-$s" || spawn "swift-$s" "swift-$s-server" "$swift_root/conf/$s-server.conf" -v
  done
}

# In parallel: each Swift server takes about 2 s to exit after TERM.
swift_stop() {
  local s
  for s in "${swift_servers[@]}" memcached; do stop_pid "swift-$s" & done
  wait
}

swift_wait_seconds() { echo 60; }
swift_init() { :; }
swift_env() { echo "SWIFT_S3_URL=http://test%3Atester:testing@127.0.0.1:8080/?region=us-east-1"; }
