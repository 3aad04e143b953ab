#!/usr/bin/env bash
# Soak test, one command: builds the demo app, starts it behind nginx with the demo's nginx
# configuration (one nginx server over the app's unix socket, one over its uwsgi TCP port), drives
# load with wrk through both servers for MINUTES minutes over a mix of endpoints, and reports the
# requests, the errors (must be 0), and the application's heap after a full GC, open file
# descriptors, threads and resident memory at the start and at the end. All traffic stays on
# 127.0.0.1; everything it starts is stopped on exit. Exits 1 when a request failed, none went
# through, or the application reported a buffer leak. Needs nginx, wrk, a JDK (java, jcmd, jstat)
# and curl.
#
# Usage: scripts/soak.sh MINUTES      (decimals work: 0.5 soaks for 30 s)
#
# Settings (environment):
#   CONNECTIONS=8       wrk connections per nginx server;  WRK_THREADS=1  wrk threads per server
#   WARMUP=15           seconds of the same load before the start is measured (JIT, pools, caches)
#   JAVA_OPTS="-Xmx256m"  the application's JVM options
#   APP=demo-app        the demo to soak: demo-app (WebFlux on Reactor Netty) or demo-mvc-app (Spring
#                       MVC on Tomcat); both serve the same endpoints behind the same nginx set-up
#   BUILD=1             build and install the demo app and what it depends on; BUILD=0 uses the jar
#                       already in $APP/target
#   HTTP_PORT_UNIX=18580 HTTP_PORT_TCP=18581  nginx's ports, in front of the unix socket and TCP
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=${1:-}
[[ $minutes =~ ^[0-9]+(\.[0-9]+)?$ ]] && awk "BEGIN { exit !($minutes > 0) }" \
  || { echo "Usage: $0 MINUTES   (how long to drive load, e.g. 5)" >&2; exit 2; }
seconds=$(awk "BEGIN { printf \"%d\", $minutes * 60 + 0.5 }")
connections=${CONNECTIONS:-8}
wrk_threads=${WRK_THREADS:-1}
warmup=${WARMUP:-15}
java_opts=${JAVA_OPTS:--Xmx256m}
unix_port=${HTTP_PORT_UNIX:-18580}
tcp_port=${HTTP_PORT_TCP:-18581}
app=${APP:-demo-app}
case "$app" in
  demo-app|demo-mvc-app) ;;
  *) echo "APP must be demo-app or demo-mvc-app: $app" >&2; exit 2 ;;
esac
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
for tool in "$nginx_bin" wrk java jcmd jstat curl; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install nginx wrk curl, and a JDK)" >&2; exit 1; }
done
for port in "$unix_port" "$tcp_port"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "Port $port is in use: set HTTP_PORT_UNIX and HTTP_PORT_TCP to free ports" >&2
    exit 1
  fi
done

if [ "${BUILD:-1}" != 0 ]; then
  echo "Building $app..."
  ./mvnw -q -B -DskipTests install -pl "$app" -am
fi
jar=$(ls "$app"/target/"$app"-*.jar | grep -v -- '-plain' | head -n 1)

run_dir=$(mktemp -d "${TMPDIR:-/tmp}/uwsgi-soak.XXXXXX")
# nginx's workers may run as another user (nobody, www-data): let them in.
chmod 755 "$run_dir"
for temp in client_body_temp uwsgi_temp proxy_temp fastcgi_temp scgi_temp; do
  mkdir -p "$run_dir/$temp" && chmod 777 "$run_dir/$temp"
done
app_pid="" nginx_pid="" wrk_pids=()
stop() { # pid: TERM, wait up to 30 s (a graceful shutdown), then KILL
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  for pid in "${wrk_pids[@]}"; do stop "$pid"; done
  stop "$nginx_pid"
  stop "$app_pid"
  rm -rf "$run_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "Starting $app ($java_opts)..."
# uwsgi.port=0 binds a free port, read back from the start-up log line
# shellcheck disable=SC2086
UWSGI_DEMO_SOCKET="$run_dir/uwsgi.sock" java $java_opts -jar "$jar" \
  --server.port=0 --uwsgi.port=0 > "$run_dir/app.log" 2>&1 &
app_pid=$!
uwsgi_port=""
for _ in $(seq 1 120); do
  uwsgi_port=$(sed -n 's/.*uwsgi server listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$run_dir/app.log" | head -n 1)
  [ -n "$uwsgi_port" ] && [ -S "$run_dir/uwsgi.sock" ] && break
  kill -0 "$app_pid" 2>/dev/null || { cat "$run_dir/app.log"; exit 1; }
  sleep 0.5
done
[ -n "$uwsgi_port" ] || { echo "The app did not start listening:" >&2; cat "$run_dir/app.log" >&2; exit 1; }

for file in nginx.conf locations.conf; do
  sed -e "s|@RUN_DIR@|$run_dir|g" -e "s|@UWSGI_SOCKET@|$run_dir/uwsgi.sock|g" \
      -e "s|@UWSGI_PORT@|$uwsgi_port|g" -e "s|@HTTP_PORT_UNIX@|$unix_port|g" \
      -e "s|@HTTP_PORT_TCP@|$tcp_port|g" -e "s|@UWSGI_PARAMS@|/etc/nginx/uwsgi_params|g" \
      "$app/nginx/$file" > "$run_dir/$file"
done
"$nginx_bin" -p "$run_dir" -c "$run_dir/nginx.conf" &
nginx_pid=$!
for port in "$unix_port" "$tcp_port"; do
  for _ in $(seq 1 50); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/hello" 2>/dev/null && break
    kill -0 "$nginx_pid" 2>/dev/null || { cat "$run_dir/error.log" >&2; exit 1; }
    sleep 0.2
  done
  curl -fsS -o /dev/null "http://127.0.0.1:$port/hello" || { cat "$run_dir/error.log" >&2; exit 1; }
done

# The mix, in rotation: small answers, the request as the application saw it (also mounted
# under /app), a 1 KiB upload read as a stream, and now and then a 5 MiB download.
cat > "$run_dir/soak.lua" <<'LUA'
local mix = {
  { "GET", "/hello" }, { "GET", "/json" }, { "GET", "/request?soak=1" }, { "POST", "/sha256" },
  { "GET", "/app/hello" }, { "GET", "/hello" }, { "GET", "/json" }, { "POST", "/sha256" },
  { "GET", "/app/request" }, { "GET", "/download/bytes" },
}
local body = string.rep("0123456789abcdef", 64)
local requests = {}
local index = 0

function init(args)
  for i, entry in ipairs(mix) do
    local method, path = entry[1], entry[2]
    if method == "POST" then
      requests[i] = wrk.format(method, path, { ["Content-Type"] = "application/octet-stream" }, body)
    else
      requests[i] = wrk.format(method, path)
    end
  end
end

function request()
  index = index % #requests + 1
  return requests[index]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("SOAK requests=%d status=%d connect=%d read=%d write=%d timeout=%d p99ms=%.1f\n",
    summary.requests, e.status, e.connect, e.read, e.write, e.timeout, latency:percentile(99) / 1000))
end
LUA

run_load() { # seconds label: wrk through both nginx servers at once, results in $run_dir/wrk-label-*.txt
  wrk_pids=()
  for server in unix:"$unix_port" tcp:"$tcp_port"; do
    wrk -t"$wrk_threads" -c"$connections" -d"$1s" --timeout 10s -s "$run_dir/soak.lua" \
      "http://127.0.0.1:${server#*:}" > "$run_dir/wrk-$2-${server%%:*}.txt" 2>&1 &
    wrk_pids+=($!)
  done
  for pid in "${wrk_pids[@]}"; do wait "$pid" || true; done
  wrk_pids=()
}
heap_after_gc() { # MiB of heap in use right after a full GC
  jcmd "$app_pid" GC.run > /dev/null
  jstat -gc "$app_pid" | awk 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i }
    NR == 2 { printf "%.1f", ($col["S0U"] + $col["S1U"] + $col["EU"] + $col["OU"]) / 1024 }'
}
sample() { # label: heap after GC, fds, threads, RSS
  local heap fds threads rss
  heap=$(heap_after_gc)
  fds=$(ls "/proc/$app_pid/fd" | wc -l)
  threads=$(ls "/proc/$app_pid/task" | wc -l)
  rss=$(awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$app_pid/status")
  printf '%s heap after GC %s MiB, %s fds, %s threads, RSS %s MiB\n' "$1" "$heap" "$fds" "$threads" "$rss"
  eval "heap_$1=$heap fds_$1=$fds threads_$1=$threads rss_$1=$rss"
}
tally() { # label: adds up the SOAK lines of that run
  cat "$run_dir"/wrk-"$1"-*.txt | awk '/^SOAK / {
      for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] != "p99ms") sum[kv[1]] += kv[2]; else if (kv[2] + 0 > p99 + 0) p99 = kv[2] }
    } END {
      printf "%d %d %d %d %d %d %.1f\n", sum["requests"], sum["status"], sum["connect"], sum["read"], sum["write"], sum["timeout"], p99
    }'
}

echo "Warming up for ${warmup} s..."
run_load "$warmup" warmup
read -r warmup_requests warmup_status warmup_connect warmup_read warmup_write warmup_timeout _ <<< "$(tally warmup)"
sample start
started=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
echo "Soaking for $minutes min ($seconds s): wrk -t$wrk_threads -c$connections through each nginx server..."
run_load "$seconds" soak
read -r requests status connect read_errors write_errors timeouts p99 <<< "$(tally soak)"
sample end

errors=$((status + connect + read_errors + write_errors + timeouts))
warmup_errors=$((warmup_status + warmup_connect + warmup_read + warmup_write + warmup_timeout))
leaks=$(grep -c 'LEAK:' "$run_dir/app.log" || true)
app_errors=$(grep -c ' ERROR ' "$run_dir/app.log" || true)
nginx_errors=$(grep -c '\[error\]' "$run_dir/error.log" || true)
requests_through() { # label: requests of the soak through that nginx server
  sed -n 's/^SOAK requests=\([0-9]*\).*/\1/p' "$run_dir/wrk-soak-$1.txt"
}
unix_requests=$(requests_through unix) tcp_requests=$(requests_through tcp)

cat <<SUMMARY

Soak result ($app, $started, $minutes min)
  machine       $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), $(java -version 2>&1 | head -n 1), $("$nginx_bin" -v 2>&1 | sed 's/nginx version: //'), $(wrk -v 2>&1 | head -n 1 | awk '{ print $1, $2 }')
  load          wrk -t$wrk_threads -c$connections per nginx server (unix socket and TCP), ${seconds} s after ${warmup} s of warm-up
  requests      $requests (unix socket ${unix_requests:-0}, TCP ${tcp_requests:-0}), $(awk "BEGIN { printf \"%.0f\", $requests / $seconds }") req/s, p99 up to $p99 ms
  errors        $errors (status >= 400: $status, connect: $connect, read: $read_errors, write: $write_errors, timeout: $timeouts); warm-up: $warmup_errors of $warmup_requests
  heap after GC start $heap_start MiB, end $heap_end MiB   (JVM: $java_opts)
  open fds      start $fds_start, end $fds_end
  threads       start $threads_start, end $threads_end
  RSS           start $rss_start MiB, end $rss_end MiB
  logs          app: $leaks LEAK reports, $app_errors ERROR lines; nginx: $nginx_errors [error] lines
SUMMARY
if [ "$errors" -ne 0 ] || [ "$warmup_errors" -ne 0 ] || [ "$leaks" -ne 0 ] \
    || [ "${unix_requests:-0}" -eq 0 ] || [ "${tcp_requests:-0}" -eq 0 ]; then
  echo "FAILED: requests failed, none went through, or buffers leaked. wrk said:" >&2
  cat "$run_dir"/wrk-soak-*.txt >&2
  echo "nginx error log:" >&2
  tail -n 20 "$run_dir/error.log" >&2
  exit 1
fi
echo "OK"
