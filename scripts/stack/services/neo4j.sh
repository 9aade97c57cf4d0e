# Neo4j community from Maven Central, embedded in our own launcher (scripts/stack/neo4j): Bolt on
# loopback, no TLS, no auth. Needs a JDK 17 (5.26 is the last Neo4j line on Java 17) and Maven.
neo4j_bolt_port=7687
neo4j_dir=$STACK_HOME/neo4j
neo4j_available_file=$STACK_RUN/neo4j.available

neo4j_installed() {
  [ "$(cat "$neo4j_dir/version" 2>/dev/null)" = "$NEO4J_VERSION" ] &&
    [ "$neo4j_dir/classes/Neo4jLauncher.class" -nt "$STACK_ROOT/neo4j/Neo4jLauncher.java" ]
}

neo4j_install() {
  maven_fetch neo4j neo4j.version "$NEO4J_VERSION" "$neo4j_dir"
  "$(jdk17)/bin/javac" -d "$neo4j_dir/classes" -cp "$neo4j_dir/lib/*" "$STACK_ROOT/neo4j/Neo4jLauncher.java"
  echo "$NEO4J_VERSION" >"$neo4j_dir/version"
}

# Bolt handshake: magic number, then four version proposals (5.0 to 5.4, 4.0, none, none).
# The server answers with the version it picked (00 00 minor major); zeros mean none.
neo4j_bolt_answers() {
  local reply
  reply=$(timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" &&
    printf "\x60\x60\xb0\x17\x00\x04\x04\x05\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00" >&3 &&
    head -c 4 <&3 | od -An -tx1 | tr -d " \n"' _ "$neo4j_bolt_port" 2>/dev/null) || return 1
  [[ $reply == 0000[0-9a-f][0-9a-f]0[45] ]]
}

# The launcher writes the available file once the default database is up: an open port says
# nothing about that. The handshake rules out a stale file.
neo4j_ready() { [ -f "$neo4j_available_file" ] && neo4j_bolt_answers; }

neo4j_start() {
  local jdk; jdk=$(jdk17)
  mkdir -p "$STACK_DATA/neo4j"
  rm -f "$neo4j_available_file"
  spawn neo4j "$jdk/bin/java" -Xms256m -Xmx1g -XX:+ExitOnOutOfMemoryError \
    --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED -Dio.netty.tryReflectionSetAccessible=true \
    -cp "$neo4j_dir/classes:$neo4j_dir/lib/*" Neo4jLauncher \
    "$STACK_DATA/neo4j" "$neo4j_bolt_port" "$neo4j_available_file"
}
neo4j_wait_seconds() { echo 120; }
neo4j_init() { :; }
neo4j_env() { echo "NEO4J_URL=bolt://127.0.0.1:$neo4j_bolt_port"; }
