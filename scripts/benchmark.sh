#!/usr/bin/env bash
# End-to-end benchmark, one command: builds the benchmark applications, starts them (HTTP port, uwsgi
# over TCP and a unix socket; the Spring MVC one also AJP), starts Debian's uWSGI 2.0 with a trivial
# WSGI application (TCP and unix socket), puts one nginx in front of all of them and Apache httpd in
# front of the MVC application, and measures every row with wrk through them, all on 127.0.0.1:
#   1. nginx answering by itself (return 200): the ceiling of this machine
#   2. our uwsgi listener, uwsgi_pass over the unix socket, and over TCP
#   3. the same application's HTTP port behind proxy_pass: nginx's default (a connection per request)
#      over TCP and over a unix socket (a second HTTP listener of the application), and kept alive
#   4. uWSGI 2.0, uwsgi_pass over the unix socket, and over TCP (the anchor)
#   5. the Spring MVC application on Tomcat: uwsgi_pass over the unix socket and over TCP; its HTTP
#      port behind proxy_pass, nginx's default (a connection per request) over TCP and over a unix
#      socket (a second HTTP connector), and kept alive; and through
#      Apache httpd, mod_proxy_uwsgi over TCP and mod_proxy_ajp to Tomcat's AJP connector
# Each row is warmed up, then measured in ROUNDS rounds with the rows interleaved (each round
# starts one row further on); the table gives each row's median. Prints the table and writes it,
# with the machine and a chart, to uwsgi-spring-boot-benchmarks/target/e2e/. A full run (not QUICK,
# all rows) also replaces the two generated sections of docs/performance.md (the WebFlux rows; the
# Spring MVC rows) and docs/performance.png.
# Everything it starts is stopped on exit. Needs nginx, wrk, uwsgi-core, uwsgi-plugin-python3, curl,
# and apache2 for the Apache rows.
#
# Settings (environment):
#   QUICK=1          a smoke run: 1 round of 3 s after a 10 s warm-up per row (about 3 minutes)
#   DURATION=10s     wrk duration of each measured run, in seconds
#   WARMUP=20s       wrk duration of each row's warm-up, in seconds (the JIT needs it)
#   ROUNDS=3         measured rounds
#   CONNECTIONS=64   wrk connections;  WRK_THREADS=2  wrk threads
#   UWSGI_PROCESSES=2  uWSGI worker processes (one thread each: the GIL makes threads no faster here)
#   NGINX_WORKERS=auto nginx worker processes
#   JAVA_OPTS="-Xms512m -Xmx512m -XX:+UseG1GC"  the Spring applications' JVM options
#   ROWS="ours-unix proxy-unix"  only these rows (nginx ours-unix ours-tcp proxy proxy-unix
#                    proxy-keepalive uwsgi-unix uwsgi-tcp mvc-unix mvc-tcp mvc-proxy mvc-proxy-unix
#                    mvc-proxy-keepalive mvc-apache-uwsgi mvc-ajp); the
#                    MVC application and Apache are started only when one of their rows is measured
#   JFR=1            record the Spring applications with Java Flight Recorder (target/e2e/app.jfr,
#                    target/e2e/mvc-app.jfr)
#   BASELINE=REV     also build the application from git revision REV (in a temporary worktree) and
#                    measure it side by side, as two more rows (baseline-unix, baseline-tcp), in the
#                    same rounds: the way to tell whether a change is faster on a noisy machine
#   BUILD=reactor    build the module and what it depends on from this tree (default);
#                    BUILD=module: the module only, the others from ~/.m2; BUILD=none: no build
#   BASE_PORT=18180  first of the ports used (BASE_PORT .. BASE_PORT+24); when one of them is
#                    taken, the next hundred is tried
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/harness.sh
root=$(pwd)
module=uwsgi-spring-boot-benchmarks
mvc_module=uwsgi-spring-boot-benchmarks-mvc
out="$module/target/e2e"

if [ -n "${QUICK:-}" ]; then
  duration=${DURATION:-3s} warmup=${WARMUP:-10s} rounds=${ROUNDS:-1}
else
  duration=${DURATION:-10s} warmup=${WARMUP:-20s} rounds=${ROUNDS:-3}
fi
connections=${CONNECTIONS:-64}
wrk_threads=${WRK_THREADS:-2}
uwsgi_processes=${UWSGI_PROCESSES:-2}
nginx_workers=${NGINX_WORKERS:-auto}
java_opts=${JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseG1GC}
build=${BUILD:-reactor}
base_port=${BASE_PORT:-18180}
for setting in "$duration" "$warmup"; do
  [[ $setting =~ ^[0-9]+s$ ]] || { echo "DURATION and WARMUP are in seconds, like 10s: $setting" >&2; exit 1; }
done
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
for tool in "$nginx_bin" wrk uwsgi java curl; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install nginx wrk uwsgi-core uwsgi-plugin-python3 curl" >&2; exit 1; }
done
[ -e /usr/lib/uwsgi/plugins/python3_plugin.so ] || { echo "uWSGI's python3 plugin is missing: apt-get install uwsgi-plugin-python3" >&2; exit 1; }

selected() { # id...: whether ROWS selects one of these rows (no ROWS: every row)
  local id
  [ -z "${ROWS:-}" ] && return 0
  for id in "$@"; do [[ " $ROWS " == *" $id "* ]] && return 0; done
  return 1
}
with_mvc="" with_apache=""
selected mvc-unix mvc-tcp mvc-proxy mvc-proxy-unix mvc-proxy-keepalive mvc-apache-uwsgi mvc-ajp && with_mvc=1
selected mvc-apache-uwsgi mvc-ajp && with_apache=1
apache_bin=$(command -v apache2 || echo /usr/sbin/apache2)
[ -z "$with_apache" ] || [ -x "$apache_bin" ] || { echo "apache2 is missing: apt-get install apache2" >&2; exit 1; }

for _ in $(seq 1 10); do
  taken=""
  for offset in $(seq 0 24); do port_taken $((base_port + offset)) && taken=$((base_port + offset)) && break; done
  [ -z "$taken" ] && break
  echo "Port $taken is taken: trying ports from $((base_port + 100))"
  base_port=$((base_port + 100))
done
[ -z "$taken" ] || { echo "No free ports: set BASE_PORT" >&2; exit 1; }
port_nginx=$base_port port_ours_unix=$((base_port + 1)) port_ours_tcp=$((base_port + 2))
port_proxy=$((base_port + 3)) port_uwsgi_unix=$((base_port + 4)) port_uwsgi_tcp=$((base_port + 5))
app_http_port=$((base_port + 10)) app_uwsgi_port=$((base_port + 11)) uwsgi_tcp_port=$((base_port + 12))
port_baseline_unix=$((base_port + 6)) port_baseline_tcp=$((base_port + 7))
port_proxy_unix=$((base_port + 8)) port_proxy_keepalive=$((base_port + 9)) port_mvc_proxy_unix=$((base_port + 15))
baseline_http_port=$((base_port + 13)) baseline_uwsgi_port=$((base_port + 14))
port_mvc_unix=$((base_port + 16)) port_mvc_tcp=$((base_port + 17)) port_mvc_proxy=$((base_port + 18))
port_mvc_proxy_keepalive=$((base_port + 19)) port_mvc_apache_uwsgi=$((base_port + 20)) port_mvc_ajp=$((base_port + 21))
mvc_http_port=$((base_port + 22)) mvc_uwsgi_port=$((base_port + 23)) mvc_ajp_port=$((base_port + 24))
# mod_proxy_uwsgi drops port 3031 as its default and connects to port 0 (unbit/uwsgi#2468)
[ "$mvc_uwsgi_port" != 3031 ] || { echo "BASE_PORT puts the MVC uwsgi port on 3031, which Apache cannot reach: pick another" >&2; exit 1; }

load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
case "$build" in
  reactor) echo "Building..."; ./mvnw -q -B -DskipTests package -pl "$module,$mvc_module" -am ;;
  module) echo "Building $module and $mvc_module..."; ./mvnw -q -B -DskipTests package -pl "$module,$mvc_module" ;;
  none) ;;
  *) echo "BUILD must be reactor, module or none" >&2; exit 1 ;;
esac

baseline=${BASELINE:-} baseline_tree=""
if [ -n "$baseline" ]; then
  baseline_commit=$(git rev-parse --short "$baseline^{commit}") || { echo "BASELINE: no such revision: $baseline" >&2; exit 1; }
  baseline_tree=$(mktemp -d "${TMPDIR:-/tmp}/uwsgi-baseline.XXXXXX")
  git worktree add -q --detach "$baseline_tree" "$baseline_commit"
  echo "Building the baseline ($baseline_commit)..."
  (cd "$baseline_tree" && ./mvnw -q -B -DskipTests package -pl "$module" -am)
fi

run_dir="" app_pid="" baseline_pid="" mvc_pid="" uwsgi_pid="" nginx_pid="" apache_pid=""
cleanup() {
  stop "$nginx_pid" TERM
  stop "$apache_pid" TERM
  stop "$mvc_pid" TERM
  stop "$uwsgi_pid" INT
  stop "$app_pid" TERM
  stop "$baseline_pid" TERM
  if [ -n "$baseline_tree" ]; then
    git worktree remove --force "$baseline_tree" 2>/dev/null || rm -rf "$baseline_tree"
  fi
  if [ -n "$run_dir" ]; then
    cp "$run_dir"/*.log "$out/" 2>/dev/null || true
    rm -rf "$run_dir"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$out" && mkdir -p "$out/runs"
run_dir=$(new_run_dir uwsgi-benchmark)

code=$(code_description "$module" "$build")
classpath=$(copy_classpath "$module" "$run_dir/lib")
mvc_classpath=$(copy_classpath "$mvc_module" "$run_dir/mvc-lib")
baseline_classpath=""
if [ -n "$baseline" ]; then
  code="$code; baseline rows: commit $baseline_commit"
  baseline_classpath=$(copy_classpath "$baseline_tree/$module" "$run_dir/baseline")
fi

echo "Starting the Spring applications, uWSGI, nginx${with_apache:+ and Apache httpd}..."
jfr_opts=() mvc_jfr_opts=()
if [ -n "${JFR:-}" ]; then
  jfr_opts=("-XX:StartFlightRecording=filename=$root/$out/app.jfr,settings=profile,dumponexit=true")
  mvc_jfr_opts=("-XX:StartFlightRecording=filename=$root/$out/mvc-app.jfr,settings=profile,dumponexit=true")
fi
# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
java $java_opts "${jfr_opts[@]}" -cp "$classpath" io.github.uwsgispringboot.benchmarks.app.HelloApplication \
  --server.address=127.0.0.1 --server.port="$app_http_port" \
  --uwsgi.port="$app_uwsgi_port" --uwsgi.unix-socket.path="$run_dir/app.sock" \
  --benchmark.http-unix-socket="$run_dir/app-http.sock" > "$run_dir/app.log" 2>&1 &
app_pid=$!
if [ -n "$baseline" ]; then
  # shellcheck disable=SC2086
  java $java_opts -cp "$baseline_classpath" io.github.uwsgispringboot.benchmarks.app.HelloApplication \
    --server.address=127.0.0.1 --server.port="$baseline_http_port" \
    --uwsgi.port="$baseline_uwsgi_port" --uwsgi.unix-socket.path="$run_dir/baseline.sock" > "$run_dir/baseline.log" 2>&1 &
  baseline_pid=$!
fi

if [ -n "$with_mvc" ]; then
  # shellcheck disable=SC2086
  java $java_opts "${mvc_jfr_opts[@]}" -cp "$mvc_classpath" io.github.uwsgispringboot.benchmarks.mvc.MvcHelloApplication \
    --server.address=127.0.0.1 --server.port="$mvc_http_port" --benchmark.ajp-port="$mvc_ajp_port" \
    --uwsgi.port="$mvc_uwsgi_port" --uwsgi.unix-socket.path="$run_dir/mvc.sock" \
    --benchmark.http-unix-socket="$run_dir/mvc-http.sock" > "$run_dir/mvc-app.log" 2>&1 &
  mvc_pid=$!
fi

uwsgi --plugin python3 --master --processes "$uwsgi_processes" --threads 1 --die-on-term \
  --socket "$run_dir/uwsgi.sock" --socket "127.0.0.1:$uwsgi_tcp_port" --chmod-socket=666 --listen 1024 \
  --wsgi-file "$module/wsgi/hello.py" --disable-logging > "$run_dir/uwsgi.log" 2>&1 &
uwsgi_pid=$!

sed -e "s|@RUN_DIR@|$run_dir|g" -e "s|@NGINX_WORKERS@|$nginx_workers|g" -e "s|@BASE_PORT@|$base_port|g" \
    -e "s|@UWSGI_PARAMS@|/etc/nginx/uwsgi_params|g" \
    -e "s|@PORT_NGINX@|$port_nginx|g" -e "s|@PORT_OURS_UNIX@|$port_ours_unix|g" \
    -e "s|@PORT_OURS_TCP@|$port_ours_tcp|g" -e "s|@PORT_PROXY@|$port_proxy|g" \
    -e "s|@PORT_PROXY_UNIX@|$port_proxy_unix|g" -e "s|@PORT_PROXY_KEEPALIVE@|$port_proxy_keepalive|g" \
    -e "s|@APP_HTTP_SOCKET@|$run_dir/app-http.sock|g" -e "s|@MVC_HTTP_SOCKET@|$run_dir/mvc-http.sock|g" \
    -e "s|@PORT_MVC_PROXY_UNIX@|$port_mvc_proxy_unix|g" \
    -e "s|@PORT_UWSGI_UNIX@|$port_uwsgi_unix|g" -e "s|@PORT_UWSGI_TCP@|$port_uwsgi_tcp|g" \
    -e "s|@APP_HTTP_PORT@|$app_http_port|g" -e "s|@APP_UWSGI_PORT@|$app_uwsgi_port|g" \
    -e "s|@APP_SOCKET@|$run_dir/app.sock|g" -e "s|@UWSGI_SOCKET@|$run_dir/uwsgi.sock|g" \
    -e "s|@UWSGI_TCP_PORT@|$uwsgi_tcp_port|g" \
    -e "s|@PORT_BASELINE_UNIX@|$port_baseline_unix|g" -e "s|@PORT_BASELINE_TCP@|$port_baseline_tcp|g" \
    -e "s|@BASELINE_SOCKET@|$run_dir/baseline.sock|g" -e "s|@BASELINE_UWSGI_PORT@|$baseline_uwsgi_port|g" \
    -e "s|@PORT_MVC_UNIX@|$port_mvc_unix|g" -e "s|@PORT_MVC_TCP@|$port_mvc_tcp|g" \
    -e "s|@PORT_MVC_PROXY@|$port_mvc_proxy|g" -e "s|@PORT_MVC_PROXY_KEEPALIVE@|$port_mvc_proxy_keepalive|g" \
    -e "s|@MVC_SOCKET@|$run_dir/mvc.sock|g" -e "s|@MVC_UWSGI_PORT@|$mvc_uwsgi_port|g" \
    -e "s|@MVC_HTTP_PORT@|$mvc_http_port|g" \
    "$module/nginx/nginx.conf" > "$run_dir/nginx.conf"
"$nginx_bin" -p "$run_dir" -c "$run_dir/nginx.conf" 2> "$run_dir/nginx.log" &
nginx_pid=$!
if [ -n "$with_apache" ]; then
  sed -e "s|@RUN_DIR@|$run_dir|g" -e "s|@PORT_MVC_APACHE_UWSGI@|$port_mvc_apache_uwsgi|g" \
      -e "s|@PORT_MVC_AJP@|$port_mvc_ajp|g" -e "s|@MVC_UWSGI_PORT@|$mvc_uwsgi_port|g" \
      -e "s|@MVC_AJP_PORT@|$mvc_ajp_port|g" "$mvc_module/apache/httpd.conf" > "$run_dir/httpd.conf"
  "$apache_bin" -f "$run_dir/httpd.conf" -DFOREGROUND > "$run_dir/httpd.log" 2>&1 &
  apache_pid=$!
fi

await "The Spring application" "$app_pid" curl -sf -o /dev/null "http://127.0.0.1:$app_http_port/hello"
[ -z "$baseline" ] || await "The baseline application" "$baseline_pid" curl -sf -o /dev/null "http://127.0.0.1:$baseline_http_port/hello"
[ -z "$with_mvc" ] || await "The Spring MVC application" "$mvc_pid" curl -sf -o /dev/null "http://127.0.0.1:$mvc_http_port/hello"
await "uWSGI" "$uwsgi_pid" test -S "$run_dir/uwsgi.sock"
await nginx "$nginx_pid" curl -sf -o /dev/null "http://127.0.0.1:$port_nginx/hello"
kill -0 "$nginx_pid" 2>/dev/null || { echo "nginx did not start:" >&2; cat "$run_dir"/nginx*.log >&2; exit 1; }
[ -z "$with_apache" ] || await "Apache httpd" "$apache_pid" curl -sf -o /dev/null "http://127.0.0.1:$port_mvc_ajp/hello"

# id, label, group, transport, port: the rows of the table, in its order
cat > "$out/rows.tsv" <<ROWS
nginx	nginx alone (return 200)	ceiling	none	$port_nginx
ours-unix	ours, uwsgi_pass unix socket	ours	unix	$port_ours_unix
ours-tcp	ours, uwsgi_pass TCP	ours	tcp	$port_ours_tcp
proxy	ours, HTTP port, proxy_pass (a connection per request)	proxy	tcp	$port_proxy
proxy-unix	ours, HTTP on a unix socket, proxy_pass (a connection per request)	proxy	unix	$port_proxy_unix
proxy-keepalive	ours, HTTP port, proxy_pass keep-alive	proxy	keepalive	$port_proxy_keepalive
uwsgi-unix	uWSGI 2.0, uwsgi_pass unix socket	uwsgi	unix	$port_uwsgi_unix
uwsgi-tcp	uWSGI 2.0, uwsgi_pass TCP	uwsgi	tcp	$port_uwsgi_tcp
mvc-unix	MVC on Tomcat, uwsgi_pass unix socket	mvc	unix	$port_mvc_unix
mvc-tcp	MVC on Tomcat, uwsgi_pass TCP	mvc	tcp	$port_mvc_tcp
mvc-proxy	MVC on Tomcat, HTTP port, proxy_pass (a connection per request)	mvc-http	http	$port_mvc_proxy
mvc-proxy-unix	MVC on Tomcat, HTTP on a unix socket, proxy_pass (a connection per request)	mvc-http	http-unix	$port_mvc_proxy_unix
mvc-proxy-keepalive	MVC on Tomcat, HTTP port, proxy_pass keep-alive	mvc-http	http-keepalive	$port_mvc_proxy_keepalive
mvc-apache-uwsgi	MVC on Tomcat, Apache mod_proxy_uwsgi TCP	mvc-apache	tcp	$port_mvc_apache_uwsgi
mvc-ajp	MVC on Tomcat, Apache mod_proxy_ajp, Tomcat's AJP connector	mvc-ajp	ajp	$port_mvc_ajp
ROWS
if [ -n "$baseline" ]; then
  printf '%s\t%s\t%s\t%s\t%s\n' \
    baseline-unix "ours at $baseline_commit (baseline), uwsgi_pass unix socket" baseline unix "$port_baseline_unix" \
    baseline-tcp "ours at $baseline_commit (baseline), uwsgi_pass TCP" baseline tcp "$port_baseline_tcp" >> "$out/rows.tsv"
fi
if [ -n "${ROWS:-}" ]; then
  awk -F'\t' -v rows=" $ROWS " 'index(rows, " " $1 " ")' "$out/rows.tsv" > "$out/rows.selected"
  mv "$out/rows.selected" "$out/rows.tsv"
fi
mapfile -t row_ids < <(cut -f1 "$out/rows.tsv")
[ ${#row_ids[@]} -gt 0 ] || { echo "ROWS selects no row: $ROWS" >&2; exit 1; }
port_of() { awk -F'\t' -v id="$1" '$1 == id { print $5 }' "$out/rows.tsv"; }
# every row must give the same answer
for id in "${row_ids[@]}"; do
  body=$(curl -sf "http://127.0.0.1:$(port_of "$id")/hello")
  [ "$body" = "Hello, world!" ] || { echo "row $id answered '$body'" >&2; exit 1; }
done

run_wrk() { # id duration output
  timeout $((${2%s} + 30)) wrk -t"$wrk_threads" -c"$connections" -d"$2" --timeout 5s --latency \
    "http://127.0.0.1:$(port_of "$1")/hello" > "$3"
}
cpu_ticks() { # pid...: CPU time (user + system, clock ticks) of the processes and their children
  local pids=("$@")
  for pid in "$@"; do mapfile -t -O "${#pids[@]}" pids < <(pgrep -P "$pid"); done
  for pid in "${pids[@]}"; do
    # fields 14 and 15 of /proc/PID/stat, counted after the command name in parentheses
    sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 }'
  done | awk '{ sum += $1 } END { print sum + 0 }'
}
backend_of() { # id: the process serving the row
  case "$1" in nginx) ;; uwsgi-*) echo "$uwsgi_pid" ;; baseline-*) echo "$baseline_pid" ;; mvc-*) echo "$mvc_pid" ;; *) echo "$app_pid" ;; esac
}
front_of() { # id: the process wrk talks to
  case "$1" in mvc-apache-uwsgi | mvc-ajp) echo "$apache_pid" ;; *) echo "$nginx_pid" ;; esac
}
waited_ticks() { # CPU time of this script's finished children (wrk), clock ticks
  sed 's/.*) //' "/proc/$$/stat" | awk '{ print $14 + $15 }'
}
machine_ticks() { # busy and total CPU time of the machine, clock ticks
  awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat
}
clock_ticks=$(getconf CLK_TCK)
measure() { # id round: one measured run, and who used the CPU meanwhile
  local backend front backend_before front_before wrk_before busy_before total_before busy total
  backend=$(backend_of "$1") front=$(front_of "$1")
  backend_before=$(cpu_ticks $backend) front_before=$(cpu_ticks "$front") wrk_before=$(waited_ticks)
  read -r busy_before total_before < <(machine_ticks)
  run_wrk "$1" "$duration" "$out/runs/$2.$1.wrk"
  read -r busy total < <(machine_ticks)
  # microseconds: backend, front end (nginx or Apache), wrk, the whole machine busy, its capacity
  echo "$(($(cpu_ticks $backend) - backend_before)) $(($(cpu_ticks "$front") - front_before))" \
    "$(($(waited_ticks) - wrk_before)) $((busy - busy_before)) $((total - total_before))" \
    | awk -v tick=$((1000000 / clock_ticks)) '{ for (i = 1; i <= NF; i++) $i *= tick; print }' \
    > "$out/runs/$2.$1.cpu"
}

echo "Warming up each row for $warmup..."
for id in "${row_ids[@]}"; do
  run_wrk "$id" "$warmup" "$out/runs/warmup.$id.txt"
done
count=${#row_ids[@]}
for round in $(seq 1 "$rounds"); do
  round_loads="${round_loads:+$round_loads; }$(cut -d' ' -f1 /proc/loadavg)"
  echo "Round $round of $rounds (load average $(cut -d' ' -f1-3 /proc/loadavg))..."
  for i in $(seq 0 $((count - 1))); do
    id=${row_ids[$(((i + round - 1) % count))]}
    measure "$id" "$round"
    printf '  %-19s %s req/s\n' "$id" "$(awk '/^Requests\/sec:/ { print $2 }' "$out/runs/$round.$id.wrk")"
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

apache_description="not run" tomcat_description="not run"
if [ -n "$with_apache" ]; then
  apache_description="$("$apache_bin" -v | sed -n 's/^Server version: //p'), event MPM, 2 processes × 64 threads"
fi
if [ -n "$with_mvc" ]; then
  tomcat_description="$(tr ':' '\n' <<< "$mvc_classpath" | sed -n 's|.*/tomcat-embed-core-\(.*\)\.jar$|\1|p'), Spring Boot's defaults (HTTP and uwsgi connectors; AJP connector: Tomcat's)"
fi
cat > "$out/environment.tsv" <<ENV
Date	$(date -u '+%Y-%m-%d %H:%M UTC')
CPU	$(nproc) × $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
Memory	$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
Kernel	$(uname -sr)
JDK	$(java -version 2>&1 | sed -n 2p), $java_opts
nginx	$("$nginx_bin" -v 2>&1 | sed 's/^nginx version: //'), worker_processes $nginx_workers
uWSGI	$(uwsgi --version), python3 plugin, $uwsgi_processes processes × 1 thread
Apache httpd	$apache_description
Tomcat	$tomcat_description
wrk	$(wrk -v 2>&1 | head -1 | sed -E 's/^wrk ([^/ ]+)\/([^ ]+).*/\2 (\1)/'), $wrk_threads threads, $connections connections, $duration per run, $warmup warm-up per row, $rounds round(s)
Load average	$load_at_start (1, 5, 15 min) before the run; $round_loads (1 min) at the start of each round; $load_after at the end (the benchmark's own processes count too)
Code	$code
ENV

echo
docs_args=()
[ -z "${QUICK:-}" ] && [ -z "${ROWS:-}" ] && [ -z "$baseline" ] && docs_args=(docs/performance.md docs/performance.png)
java -Djava.awt.headless=true -cp "$classpath" io.github.uwsgispringboot.benchmarks.report.EndToEndReport \
  "$out" "${docs_args[@]}"
echo "Results: $out/results.md, $out/performance.png${docs_args:+; updated docs/performance.md and docs/performance.png}"
