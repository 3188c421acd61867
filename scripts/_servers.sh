# Throwaway PostgreSQL and Redis for scripts/test and scripts/bench. Source it after _lib.sh, then call
# start_servers; both servers stop when the calling script exits. DATABASE_URL / REDIS_URL already in
# the environment are used as they are. PG_DURABLE=1 keeps fsync and synchronous_commit on (benchmarks
# measure what a real deployment would see); tests turn durability off for speed.

free_port() {
    python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

WORKDIR="$(mktemp -d "${TMPDIR:-/tmp}/kalshi-test.XXXXXX")"
PG_DATA=""
REDIS_PID=""

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$REDIS_PID" ]; then
        kill "$REDIS_PID" 2>/dev/null || true
        wait "$REDIS_PID" 2>/dev/null || true
    fi
    if [ -n "$PG_DATA" ]; then
        # Immediate mode: the cluster is thrown away, so there is nothing worth a clean shutdown.
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$WORKDIR"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# PostgreSQL refuses to run as root. As root, run the server as the `postgres` system user that the
# Debian package creates (or a dedicated user if that is missing) and give it the working directory.
PG_USER=""
as_pg() {
    if [ -n "$PG_USER" ]; then
        (cd "$WORKDIR" && runuser -u "$PG_USER" -- "$@")
    else
        "$@"
    fi
}

if [ "${PG_DURABLE:-0}" = 1 ]; then
    PG_SPEED_OPTS=""
else
    PG_SPEED_OPTS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
fi

start_servers() {
    if [ -z "${DATABASE_URL:-}" ]; then
        PG_BIN="$(pg_bindir)" || die "no PostgreSQL server binaries under /usr/lib/postgresql"
        if [ "$(id -u)" -eq 0 ]; then
            PG_USER=postgres
            id -u "$PG_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
            chown "$PG_USER" "$WORKDIR"
        fi
        PG_PORT="$(free_port)"
        PG_DATA="$WORKDIR/pgdata"
        log "starting PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
        as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >"$WORKDIR/initdb.log" 2>&1 \
            || { cat "$WORKDIR/initdb.log" >&2; die "initdb failed"; }
        # Durability is pointless for a throwaway cluster; the socket stays in the work dir.
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$WORKDIR/postgres.log" -w -t 60 start -o \
            "-p $PG_PORT -k $WORKDIR -c listen_addresses=127.0.0.1 -c max_connections=200 $PG_SPEED_OPTS" \
            >/dev/null || { cat "$WORKDIR/postgres.log" >&2; die "PostgreSQL did not start"; }
        as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres kalshi
        export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/kalshi"
    else
        log "using DATABASE_URL from the environment"
    fi

    if [ -z "${REDIS_URL:-}" ]; then
        REDIS_PORT="$(free_port)"
        log "starting $(redis-server --version | awk '{print $1, $3}') on 127.0.0.1:$REDIS_PORT"
        # No persistence: nothing is written to disk and nothing survives the run.
        redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --dir "$WORKDIR" \
            --logfile "$WORKDIR/redis.log" </dev/null &
        REDIS_PID=$!
        deadline=$((SECONDS + 30))
        until redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; do
            kill -0 "$REDIS_PID" 2>/dev/null || { cat "$WORKDIR/redis.log" >&2; die "Redis did not start"; }
            [ "$SECONDS" -lt "$deadline" ] || die "Redis did not answer PING"
            sleep 0.1
        done
        export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
    else
        log "using REDIS_URL from the environment"
    fi
}
