# MinIO built from source: an S3 server for the raw store (Swift's S3 layer is the other one).
minio_api=127.0.0.1:9000

# Rebuilds when versions.sh names another release than the one in the binary.
minio_installed() {
  [ -x "$STACK_BIN/minio" ] &&
    [ "$(go version -m "$STACK_BIN/minio" 2>/dev/null | awk '$1 == "mod" { print $3 }')" = "$MINIO_VERSION" ]
}
minio_install() { go_install "github.com/minio/minio@$MINIO_VERSION"; }
minio_ready() { http_ok "http://$minio_api/minio/health/live"; }
minio_start() {
  mkdir -p "$STACK_DATA/minio/data"
  # No update checks, no web console: nothing leaves the machine.
  spawn minio env MINIO_ROOT_USER=lakegate MINIO_ROOT_PASSWORD=lakegate-secret \
    MINIO_UPDATE=off MINIO_BROWSER=off MINIO_CALLHOME_ENABLE=off MINIO_SITE_REGION=us-east-1 \
    "$STACK_BIN/minio" server "$STACK_DATA/minio/data" \
    --address "$minio_api" --console-address 127.0.0.1:9001
}
minio_wait_seconds() { echo 60; }
minio_init() { :; }
minio_env() { echo "MINIO_S3_URL=http://lakegate:lakegate-secret@$minio_api/?region=us-east-1"; }
