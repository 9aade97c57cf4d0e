# Redis from Debian: PubSub across gateway instances and the shared job queue.
redis_installed() { command -v redis-server >/dev/null; }
redis_install() { apt_install redis-server; }
redis_ready() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }
redis_start() {
  mkdir -p "$STACK_DATA/redis"
  spawn redis redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no --dir "$STACK_DATA/redis"
}
redis_wait_seconds() { echo 30; }
redis_init() { :; }
redis_env() { echo "REDIS_URL=redis://127.0.0.1:6379"; }
