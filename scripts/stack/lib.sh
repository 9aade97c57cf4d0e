# Shared helpers for the test stack. Sourced by up, down and status.
set -euo pipefail

STACK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Installed programs are kept across runs; data, logs and pids live in a temporary folder.
STACK_HOME="${LAKEGATE_STACK_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/lakegate-stack}"
STACK_DATA="${LAKEGATE_STACK_DATA:-${TMPDIR:-/tmp}/lakegate-stack}"
STACK_BIN="$STACK_HOME/bin"
STACK_RUN="$STACK_DATA/run"
STACK_LOG="$STACK_DATA/log"
STACK_ENV_FILE="$STACK_DATA/stack.env"
mkdir -p "$STACK_BIN" "$STACK_RUN" "$STACK_LOG"
export PATH="$STACK_BIN:$PATH"

# shellcheck source=versions.sh
source "$STACK_ROOT/versions.sh"

ALL_SERVICES=(redis mongo swift minio influx neo4j cassandra airflow)

say() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

load_service() {
  local name=$1
  [ -f "$STACK_ROOT/services/$name.sh" ] || die "unknown service '$name' (known: ${ALL_SERVICES[*]})"
  # shellcheck disable=SC1090
  source "$STACK_ROOT/services/$name.sh"
}

# apt_install PKG... : installs Debian packages that are missing, refreshing the index once if needed.
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
}

# go_install MODULE@VERSION : builds a Go program into $STACK_BIN.
go_install() {
  say "go install $1 (this can take a while)"
  GOBIN="$STACK_BIN" GOTOOLCHAIN=local CGO_ENABLED="${CGO_ENABLED:-0}" go install "$1"
}

# go_fetch_zip MODULE VERSION SHA256 : unpacks the module's source zip from the Go module proxy and prints
# its folder. For versions the proxy serves as .zip but refuses as .info (so `go install` fails); the
# zip is checked against the SHA-256 pinned in versions.sh.
go_fetch_zip() {
  local module=$1 version=$2 sha=$3
  local escaped proxy src zip
  escaped=$(printf '%s' "$module" | sed -E 's/([A-Z])/!\L\1/g')
  proxy=$(go env GOPROXY | tr ',|' '\n\n' | grep -m1 '^http')
  src="$STACK_HOME/src/${module//\//_}@$version"
  zip="$src.zip"
  mkdir -p "$STACK_HOME/src"
  say "fetching $module@$version source from the module proxy"
  curl -fsSL -o "$zip" "$proxy/$escaped/@v/$version.zip"
  echo "$sha  $zip" | sha256sum -c --quiet - || die "$module@$version: the source zip does not match the pinned SHA-256"
  rm -rf "$src" && mkdir -p "$src" && (cd "$src" && unzip -q "$zip")
  echo "$src/$module@$version"
}

# go_build_in FOLDER PACKAGE OUTPUT VERSION [BUILD_FLAG...] : builds a Go program from unpacked module
# source; the version goes into OUTPUT.version so *_installed can tell a stale build.
go_build_in() {
  local src=$1 pkg=$2 out=$3 version=$4
  shift 4
  say "building $pkg in $(basename "$src") (this can take a while)"
  (cd "$src" && GOTOOLCHAIN=local CGO_ENABLED="${CGO_ENABLED:-0}" GOFLAGS=-mod=mod \
    go build -trimpath "$@" -o "$out" "$pkg")
  echo "$version" >"$out.version"
}

# jdk17 : prints the folder of a JDK 17 (JAVA_HOME first), installing Debian's when there is none.
# Neo4j 5.26 and Cassandra 5.0 need 17 even where the default java is newer.
jdk17() {
  local j
  for _ in 1 2; do
    for j in ${JAVA_HOME:+"$JAVA_HOME"} /usr/lib/jvm/java-17-openjdk-*; do
      [ -x "$j/bin/javac" ] && "$j/bin/java" -version 2>&1 | grep -q 'version "17\.' && { echo "$j"; return 0; }
    done
    apt_install openjdk-17-jdk-headless
  done
  die "no JDK 17 found"
}

# maven_fetch NAME VERSION_PROPERTY VERSION DIR : puts the jars that scripts/stack/NAME/pom.xml names
# (at that version) into DIR/lib, from Maven Central.
maven_fetch() {
  local name=$1 property=$2 version=$3 dir=$4 log=$STACK_LOG/$1-install.log jdk
  jdk=$(jdk17)
  command -v mvn >/dev/null || apt_install maven
  rm -rf "${dir:?}" && mkdir -p "$dir"
  cp "$STACK_ROOT/$name/pom.xml" "$dir/pom.xml"
  say "mvn: $name $version and its dependencies (log: $log)"
  JAVA_HOME=$jdk mvn -B -f "$dir/pom.xml" "-D$property=$version" \
    dependency:copy-dependencies -DoutputDirectory="$dir/lib" >"$log" 2>&1 ||
    { tail -n 30 "$log" >&2; die "mvn failed for $name"; }
}

# spawn NAME CMD... : starts a detached process that outlives this script; pid in $STACK_RUN/NAME.pid.
spawn() {
  local name=$1; shift
  local log="$STACK_LOG/$name.log"
  say "starting $name (log: $log)"
  setsid nohup "$@" >>"$log" 2>&1 </dev/null 9>&- &
  echo $! >"$STACK_RUN/$name.pid"
}

pid_alive() {
  local f="$STACK_RUN/$1.pid"
  [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null
}

# stop_pid NAME : TERM, wait up to 30 s, then KILL; the whole process group goes.
stop_pid() {
  local f="$STACK_RUN/$1.pid" pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

http_ok() { curl -fsS -o /dev/null --max-time 3 "$1" 2>/dev/null; }

# A service's processes: NAME.pid, or NAME-*.pid when it runs several.
service_pids() { ls "$STACK_RUN/$1.pid" "$STACK_RUN/$1"-*.pid 2>/dev/null | xargs -r -n1 basename | sed 's/\.pid$//'; }

show_log_tail() { tail -n 30 "$STACK_LOG/$1.log" "$STACK_LOG/$1"-*.log >&2 2>/dev/null || true; }

# wait_until SECONDS NAME CMD... : polls CMD until it succeeds; gives up early when a process of NAME died.
wait_until() {
  local limit=$1 name=$2; shift 2
  local start=$SECONDS p
  until "$@"; do
    for p in $(service_pids "$name"); do
      if ! pid_alive "$p"; then
        say "$p exited during start-up; last log lines:"
        show_log_tail "$name"
        return 1
      fi
    done
    if (( SECONDS - start > limit )); then
      say "$name did not become ready in ${limit}s; last log lines:"
      show_log_tail "$name"
      return 1
    fi
    sleep 1
  done
}

# write_env_file : the env lines of every running service into $STACK_ENV_FILE. The gateway's own
# S3_URL is MinIO when it runs, otherwise Swift.
write_env_file() {
  local s s3
  for s in "${ALL_SERVICES[@]}"; do
    [ -f "$STACK_ROOT/services/$s.sh" ] || continue
    load_service "$s"
    if "${s}_ready"; then "${s}_env"; fi
  done >"$STACK_ENV_FILE.tmp"
  s3=$({ grep -E '^(MINIO|SWIFT)_S3_URL=' "$STACK_ENV_FILE.tmp" || true; } | sort | head -n1 | cut -d= -f2-)
  if [ -n "$s3" ]; then echo "S3_URL=$s3" >>"$STACK_ENV_FILE.tmp"; fi
  mv "$STACK_ENV_FILE.tmp" "$STACK_ENV_FILE"
}
