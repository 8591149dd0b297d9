# A throwaway PostgreSQL server on loopback for the SQL store's tests. Sourced by .ci/run; by hand:
#   source .ci/postgres.sh && start_test_postgres    # sets HANDGESTURE_TEST_POSTGRES_URL; stop_test_postgres ends it
# Installs Debian's postgresql when initdb/pg_ctl are missing. initdb refuses root, so as root the server runs as
# the unprivileged `postgres` user (made by the package; created here if absent). Trust auth, loopback only, a
# free port, the data folder and socket in a temp folder that stop_test_postgres removes.

_pg_bin_dir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return; fi
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then dirname "$(command -v initdb)"; fi
}

_pg_install() {
  local sudo=""
  if [ "$(id -u)" != "0" ]; then sudo="sudo"; fi
  # no cluster of the package's own: the tests start theirs
  $sudo mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.d/handgesture-ci.conf >/dev/null
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
}

_pg_free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

start_test_postgres() {
  if [ -n "${HANDGESTURE_TEST_POSTGRES_URL:-}" ]; then
    echo "PostgreSQL for tests: using HANDGESTURE_TEST_POSTGRES_URL as given"
    return 0
  fi
  local bin
  bin=$(_pg_bin_dir)
  if [ -z "$bin" ]; then
    _pg_install
    bin=$(_pg_bin_dir)
  fi
  if [ -z "$bin" ]; then echo "PostgreSQL: no initdb/pg_ctl after installing postgresql" >&2; return 1; fi
  local as=()
  if [ "$(id -u)" = "0" ]; then
    id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    as=(runuser -u postgres --)
  fi
  HG_PG_DIR=$(mktemp -d /tmp/hg-pg.XXXXXX)
  chmod 755 "$HG_PG_DIR"
  if [ "$(id -u)" = "0" ]; then chown postgres: "$HG_PG_DIR"; fi
  HG_PG_PORT=$(_pg_free_port)
  HG_PG_CTL=("${as[@]}" "$bin/pg_ctl")
  "${as[@]}" "$bin/initdb" -D "$HG_PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$HG_PG_DIR/initdb.log" 2>&1 ||
    { cat "$HG_PG_DIR/initdb.log" >&2; return 1; }
  # fsync off: a test server that dies loses nothing anyone keeps
  "${HG_PG_CTL[@]}" start -w -t 60 -D "$HG_PG_DIR/data" -l "$HG_PG_DIR/server.log" \
    -o "-h 127.0.0.1 -p $HG_PG_PORT -k $HG_PG_DIR -c fsync=off -c max_connections=200" >/dev/null ||
    { cat "$HG_PG_DIR/server.log" >&2; return 1; }
  export HANDGESTURE_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$HG_PG_PORT/postgres"
  echo "PostgreSQL for tests: $("$bin/postgres" --version) on 127.0.0.1:$HG_PG_PORT ($HG_PG_DIR)"
}

stop_test_postgres() {
  if [ -z "${HG_PG_DIR:-}" ]; then return 0; fi
  "${HG_PG_CTL[@]}" stop -D "$HG_PG_DIR/data" -m fast -w >/dev/null 2>&1 || true
  rm -rf "$HG_PG_DIR"
  unset HG_PG_DIR HANDGESTURE_TEST_POSTGRES_URL
}
