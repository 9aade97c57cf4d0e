# Cassandra from Maven Central (cassandra-all and its dependencies), one node on loopback.
# Needs a Java 17 runtime (5.0 runs on 11 or 17 only) and Maven. Config templates: scripts/stack/cassandra.
cassandra_port=9042
cassandra_dir=$STACK_HOME/cassandra
cassandra_storage=$STACK_DATA/cassandra

cassandra_installed() {
  [ "$(cat "$cassandra_dir/version" 2>/dev/null)" = "$CASSANDRA_VERSION" ]
}

cassandra_install() {
  maven_fetch cassandra cassandra.version "$CASSANDRA_VERSION" "$cassandra_dir"
  echo "$CASSANDRA_VERSION" >"$cassandra_dir/version"
}

cassandra_ready() {
  port_open "$cassandra_port" && node "$STACK_ROOT/cassandra/cql-ping.mjs" "$cassandra_port" >/dev/null 2>&1
}

# The module flags of Cassandra's conf/jvm17-server.options (5.0), one per line there.
cassandra_module_flags() {
  local exports=(
    java.base/jdk.internal.misc java.management.rmi/com.sun.jmx.remote.internal.rmi
    java.rmi/sun.rmi.registry java.rmi/sun.rmi.server java.sql/java.sql java.base/java.lang.ref
    jdk.unsupported/sun.misc jdk.compiler/com.sun.tools.javac.file jdk.attach/sun.tools.attach
  )
  local opens=(
    java.base/java.lang.module java.base/jdk.internal.loader java.base/jdk.internal.ref
    java.base/jdk.internal.reflect java.base/jdk.internal.math java.base/jdk.internal.module
    java.base/jdk.internal.util.jar jdk.management/com.sun.management.internal java.base/sun.nio.ch
    java.base/java.io java.base/java.lang.reflect jdk.compiler/com.sun.tools.javac java.base/java.lang
    java.base/java.util java.base/java.nio
  )
  local m
  for m in "${exports[@]}"; do echo "--add-exports=$m=ALL-UNNAMED"; done
  for m in "${opens[@]}"; do echo "--add-opens=$m=ALL-UNNAMED"; done
}

# Rewritten at each start, so template changes apply to existing data.
cassandra_write_conf() {
  mkdir -p "$cassandra_storage/conf" "$cassandra_storage/triggers"
  sed "s|@STORAGE@|$cassandra_storage|g" "$STACK_ROOT/cassandra/cassandra.yaml" >"$cassandra_storage/conf/cassandra.yaml"
  cp "$STACK_ROOT/cassandra/logback.xml" "$cassandra_storage/conf/logback.xml"
}

# As root Cassandra's mlockall pins the whole heap in RAM (1.4 GiB RSS instead of 0.5); a test node
# does without it. Dropping CAP_IPC_LOCK needs root; other users cannot lock past RLIMIT_MEMLOCK anyway.
cassandra_can_drop_mlock() { [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; }

cassandra_start() {
  local java jamm flags wrapper=()
  java="$(jdk17)/bin/java"
  cassandra_can_drop_mlock && wrapper=(setpriv --bounding-set=-ipc_lock)
  jamm=$(echo "$cassandra_dir"/lib/jamm-*.jar)
  mapfile -t flags < <(cassandra_module_flags)
  cassandra_write_conf
  # Foreground: the stack's spawn detaches it. A single seed has no gossip to wait for.
  spawn cassandra "${wrapper[@]}" "$java" -Xms1g -Xmx1g -XX:+ExitOnOutOfMemoryError "-javaagent:$jamm" "${flags[@]}" \
    -Djdk.attach.allowAttachSelf=true -Dio.netty.tryReflectionSetAccessible=true \
    -Dcassandra.config="file://$cassandra_storage/conf/cassandra.yaml" -Dcassandra-foreground=yes \
    -Dcassandra.storagedir="$cassandra_storage" -Dcassandra.triggers_dir="$cassandra_storage/triggers" \
    -Dcassandra.skip_wait_for_gossip_to_settle=0 \
    -cp "$cassandra_storage/conf:$cassandra_dir/lib/*" org.apache.cassandra.service.CassandraDaemon
}
cassandra_wait_seconds() { echo 180; }
cassandra_init() { :; }
cassandra_env() { echo "CASSANDRA_URL=cassandra://127.0.0.1:$cassandra_port/?dc=datacenter1"; }
