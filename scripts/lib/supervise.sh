#!/bin/sh
# A minimal service manager for restart tests: it holds the listening sockets it was started with
# (LISTEN_FDS descriptors from 3, as systemd-socket-activate or systemd passes them) and runs the
# application on them, passing them on exactly as systemd does: LISTEN_PID is set to the
# application's own pid after the fork. Without LISTEN_FDS it just runs the application, which
# then binds its own sockets (the comparison without inheritance).
#
#   supervise.sh LOG_PREFIX COMMAND [ARGUMENT...]
#
# Run N of the application logs to LOG_PREFIX.N.log. SIGHUP restarts the application, as
# SUPERVISE_MODE says:
#   restart (default)  as `systemctl restart` does: SIGTERM, wait until it has exited, start it
#                      again. Connections arriving meanwhile wait in the kernel's accept queue.
#   chain              as uWSGI's chain reload: start the next run, wait until it logs that it
#                      listens, then SIGTERM the previous one. Both accept on the socket meanwhile.
# SIGTERM stops the application and exits. The sockets stay open in this process throughout.
#
# SUPERVISE_STDIN=socket passes the one socket on standard input instead, as systemd does for a
# service with StandardInput=socket: descriptor 0, no LISTEN_* variables. The Tomcat connector of
# a Spring MVC application serves on it (the JDK adopts descriptor 0 only). Standard output stays
# the run's log, as with StandardOutput=journal.
set -u
log=$1
shift
run=0
child=
restart=0
stopping=0

start() {
    run=$((run + 1))
    if [ -n "${LISTEN_FDS:-}" ] && [ "${SUPERVISE_STDIN:-}" = socket ]; then
        (unset LISTEN_FDS LISTEN_PID LISTEN_FDNAMES; exec "$@" <&3 3<&-) >"$log.$run.log" 2>&1 &
    elif [ -n "${LISTEN_FDS:-}" ]; then
        sh -c 'export LISTEN_PID=$$; exec "$@"' sh "$@" >"$log.$run.log" 2>&1 &
    else
        "$@" >"$log.$run.log" 2>&1 &
    fi
    child=$!
    echo "supervise: run $run is pid $child" >&2
}

stop_child() {
    kill -TERM "$1" 2>/dev/null
    while kill -0 "$1" 2>/dev/null; do
        wait "$1" 2>/dev/null
    done
}

await_listening() {
    until grep -q 'uwsgi server listening on' "$log.$run.log" 2>/dev/null; do
        kill -0 "$child" 2>/dev/null || return 1
        sleep 0.1
    done
}

trap 'restart=1' HUP
trap 'stopping=1' TERM INT

if [ "${SUPERVISE_STDIN:-}" = socket ] && [ "${LISTEN_FDS:-1}" != 1 ]; then
    echo "supervise: SUPERVISE_STDIN=socket passes one socket, got LISTEN_FDS=$LISTEN_FDS" >&2
    exit 2
fi
start "$@"
while :; do
    status=0
    # a signal that came while a restart was under way is handled before waiting again
    if [ "$restart" = 0 ] && [ "$stopping" = 0 ]; then
        wait "$child"
        status=$?
    fi
    if [ "$stopping" = 1 ]; then
        stop_child "$child"
        exit 0
    fi
    if [ "$restart" = 1 ]; then
        restart=0
        previous=$child
        if [ "${SUPERVISE_MODE:-restart}" = chain ]; then
            start "$@"
            await_listening
            stop_child "$previous"
        else
            stop_child "$previous"
            start "$@"
        fi
        continue
    fi
    if ! kill -0 "$child" 2>/dev/null; then
        echo "supervise: run $run exited with status $status" >&2
        exit "$status"
    fi
done
