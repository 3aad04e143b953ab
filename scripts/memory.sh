#!/usr/bin/env bash
# Memory measurements, one command: builds the benchmark application, starts it with a 128 MB heap
# (uwsgi over TCP and a unix socket), puts nginx in front of it, all on 127.0.0.1, and measures:
#   1. an upload of 1 GiB of random bytes through nginx (uwsgi_request_buffering off) to a handler
#      that streams it to a file, over the unix socket and over TCP: HTTP status, the size and
#      SHA-256 the application computed against the file's, the time, and the heap's peak (the
#      largest heap used before a collection in the JVM's GC log, or at the end if higher)
#   2. CONCURRENT idle uwsgi connections (IdleConnections, sending nothing) held over TCP, then over
#      the unix socket: the server's live heap after a full GC before and while holding them
#      (jcmd GC.class_histogram), divided by their number, with the classes that make it up, and
#      the change in off-heap buffer memory (Native Memory Tracking's "Other"); checked open throughout
# Prints a table and writes it, with the logs and histograms, to
# uwsgi-spring-boot-benchmarks/target/memory/. Everything it starts is stopped on exit. Needs nginx,
# curl and a JDK (java, jcmd); about a minute after the build, and 2 GiB free in the temp directory.
#
# Settings (environment):
#   CONNECTIONS=10000  idle connections held (the server's uwsgi.max-connections is set to it, and
#                      the open-files limit must allow it plus a margin)
#   UPLOAD_MIB=1024    size of the upload, in MiB
#   JAVA_OPTS="-Xmx128m -XX:+UseG1GC"  the application's JVM options
#   BUILD=reactor    build the module and what it depends on from this tree (default);
#                    BUILD=module: the module only, the others from ~/.m2; BUILD=none: no build
#   BASE_PORT=18280  first of the ports used (BASE_PORT .. BASE_PORT+11); when one of them is
#                    taken, the next hundred is tried
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/harness.sh
module=uwsgi-spring-boot-benchmarks
out="$module/target/memory"

connections=${CONNECTIONS:-10000}
upload_mib=${UPLOAD_MIB:-1024}
java_opts=${JAVA_OPTS:--Xmx128m -XX:+UseG1GC}
build=${BUILD:-reactor}
base_port=${BASE_PORT:-18280}
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
for tool in "$nginx_bin" curl java jcmd sha256sum; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install nginx curl openjdk-17-jdk-headless" >&2; exit 1; }
done
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((connections + 200)) ]; then
  echo "$connections connections need more open files than ulimit -n allows ($(ulimit -n))" >&2
  exit 1
fi

for _ in $(seq 1 10); do
  taken=""
  for offset in 0 1 10 11; do port_taken $((base_port + offset)) && taken=$((base_port + offset)) && break; done
  [ -z "$taken" ] && break
  echo "Port $taken is taken: trying ports from $((base_port + 100))"
  base_port=$((base_port + 100))
done
[ -z "$taken" ] || { echo "No free ports: set BASE_PORT" >&2; exit 1; }
port_unix=$base_port port_tcp=$((base_port + 1))
app_http_port=$((base_port + 10)) app_uwsgi_port=$((base_port + 11))

case "$build" in
  reactor) echo "Building..."; ./mvnw -q -B -DskipTests package -pl "$module" -am ;;
  module) echo "Building $module..."; ./mvnw -q -B -DskipTests package -pl "$module" ;;
  none) ;;
  *) echo "BUILD must be reactor, module or none" >&2; exit 1 ;;
esac

run_dir="" app_pid="" nginx_pid="" client_pid=""
cleanup() {
  exec 3>&- 2>/dev/null || true
  stop "$client_pid" TERM
  stop "$nginx_pid" TERM
  stop "$app_pid" TERM
  if [ -n "$run_dir" ]; then
    cp "$run_dir"/*.log "$out/" 2>/dev/null || true
    rm -rf "$run_dir"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$out" && mkdir -p "$out"
run_dir=$(new_run_dir uwsgi-memory)

code=$(code_description "$module" "$build")
classpath=$(copy_classpath "$module" "$run_dir/lib")


echo "Starting the Spring application and nginx..."
# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
java $java_opts -XX:NativeMemoryTracking=summary -Xlog:gc:file="$run_dir/gc.log" \
  -cp "$classpath" io.github.uwsgispringboot.benchmarks.app.HelloApplication \
  --server.address=127.0.0.1 --server.port="$app_http_port" \
  --uwsgi.port="$app_uwsgi_port" --uwsgi.unix-socket.path="$run_dir/app.sock" \
  --uwsgi.max-body-size=-1 --uwsgi.max-connections="$connections" --uwsgi.header-timeout=10m \
  > "$run_dir/app.log" 2>&1 &
app_pid=$!
sed -e "s|@RUN_DIR@|$run_dir|g" -e "s|@UWSGI_PARAMS@|/etc/nginx/uwsgi_params|g" \
    -e "s|@PORT_UNIX@|$port_unix|g" -e "s|@PORT_TCP@|$port_tcp|g" \
    -e "s|@APP_SOCKET@|$run_dir/app.sock|g" -e "s|@APP_UWSGI_PORT@|$app_uwsgi_port|g" \
    "$module/nginx/memory.conf" > "$run_dir/nginx.conf"
"$nginx_bin" -p "$run_dir" -c "$run_dir/nginx.conf" 2> "$run_dir/nginx.log" &
nginx_pid=$!
await "The Spring application" "$app_pid" curl -sf -o /dev/null "http://127.0.0.1:$app_http_port/hello"
await nginx "$nginx_pid" curl -sf -o /dev/null "http://127.0.0.1:$port_unix/hello"
max_heap=$(jcmd "$app_pid" VM.flags | tr ' ' '\n' | sed -n 's/^-XX:MaxHeapSize=//p')

heap_used_kib() { # the heap used now, without collecting
  jcmd "$app_pid" GC.heap_info | sed -n 's/.* used \([0-9]*\)K.*/\1/p' | head -1
}
# upload transport port: one upload; prints status, seconds, result, peak heap and collections
upload() {
  local gc_lines code seconds answer result used peak collections full
  gc_lines=$(wc -l < "$run_dir/gc.log")
  read -r code seconds < <(curl -sS -o "$run_dir/answer.txt" -w '%{http_code} %{time_total}\n' -X POST \
    -H 'Content-Type: application/octet-stream' -T "$run_dir/body.bin" "http://127.0.0.1:$2/upload" || true)
  used=$(heap_used_kib)
  answer=$(cat "$run_dir/answer.txt" 2>/dev/null || true)
  result="wrong answer: ${answer:0:80}"
  [ "$answer" = "$body_sha256 $body_bytes" ] && result="size and SHA-256 match"
  # G1's lines read "Pause Young (Normal) (G1 Evacuation Pause) 27M->13M(40M) 4.417ms": the heap
  # used only grows between collections, so its peak is a "before" figure or the heap used now
  peak=$(tail -n +$((gc_lines + 1)) "$run_dir/gc.log" | grep -o '[0-9]*M->' | tr -d 'M>-' \
    | awk -v used=$((used / 1024)) 'BEGIN { max = used } $1 > max { max = $1 } END { print max }')
  collections=$(tail -n +$((gc_lines + 1)) "$run_dir/gc.log" | grep -c 'Pause Young\|Pause Full' || true)
  full=$(tail -n +$((gc_lines + 1)) "$run_dir/gc.log" | grep -c 'Pause Full' || true)
  echo "$1	$code	$seconds	$result	$peak	$collections	$full"
}

echo "Writing $upload_mib MiB of random bytes..."
head -c "${upload_mib}M" /dev/urandom > "$run_dir/body.bin"
body_bytes=$(stat -c %s "$run_dir/body.bin")
body_sha256=$(sha256sum "$run_dir/body.bin" | cut -d' ' -f1)
: > "$out/upload.tsv"
for transport in unix tcp; do
  port=$port_unix
  [ "$transport" = tcp ] && port=$port_tcp
  echo "Uploading $upload_mib MiB through nginx, uwsgi over $transport..."
  upload "$transport" "$port" | tee -a "$out/upload.tsv"
done
rm -f "$run_dir/body.bin"
peak_rss=$(awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$app_pid/status")
buffered=$(grep -c 'buffered to a temporary file' "$run_dir/nginx-error.log" || true)

sockets() { # the application's open sockets
  find "/proc/$app_pid/fd" -lname 'socket:*' 2>/dev/null | wc -l
}
histogram() { # file: live objects after a full collection
  jcmd "$app_pid" GC.class_histogram > "$1"
}
histogram_total() { awk '$1 == "Total" { print $3 }' "$1"; }
# idle transport address: hold the connections, measure the server meanwhile, check them
idle() {
  local transport=$1 before=$out/histogram.$1.before.txt held=$out/histogram.$1.held.txt
  local sockets_before sockets_held status
  histogram "$before"
  jcmd "$app_pid" VM.native_memory baseline > /dev/null
  sockets_before=$(sockets)
  rm -f "$run_dir/release" && mkfifo "$run_dir/release"
  java -cp "$run_dir/lib/benchmarks" io.github.uwsgispringboot.benchmarks.memory.IdleConnections \
    "$2" "$connections" < "$run_dir/release" > "$run_dir/client-$transport.log" 2>&1 &
  client_pid=$!
  exec 3> "$run_dir/release"
  await "The idle connections over $transport" "$client_pid" grep -qs '^holding' "$run_dir/client-$transport.log"
  sleep 1
  sockets_held=$(sockets)
  histogram "$held"
  jcmd "$app_pid" VM.native_memory summary.diff > "$out/native.$transport.txt"
  exec 3>&-
  status=0
  wait "$client_pid" || status=$?
  client_pid=""
  cat "$run_dir/client-$transport.log" >&2
  [ "$status" = 0 ] || { echo "The server did not hold every idle connection over $transport" >&2; exit 1; }
  # the server has closed its side once its socket count is back
  for _ in $(seq 1 100); do [ "$(sockets)" -le "$sockets_before" ] && break; sleep 0.1; done
  # KiB of native memory allocated outside the heap for buffers (direct buffers and Netty's,
  # Unsafe.allocateMemory: Native Memory Tracking's "Other"); the rest of its change is the JIT's
  local direct
  direct=$(sed -n '/^- *Other (/s/.*committed=[0-9]*KB \([-+][0-9]*\)KB.*/\1/p' "$out/native.$transport.txt")
  echo "$transport	$((sockets_held - sockets_before))	$(histogram_total "$before")	$(histogram_total "$held")	${direct:-0}"
}
: > "$out/idle.tsv"
for transport in tcp unix; do
  address=127.0.0.1:$app_uwsgi_port
  [ "$transport" = unix ] && address=$run_dir/app.sock
  echo "Holding $connections idle connections over $transport..."
  idle "$transport" "$address" >> "$out/idle.tsv"
done

top_classes() { # transport: the classes that grew most while the connections were held
  awk -v n="$connections" '
    $1 ~ /^[0-9]+:$/ && FNR == NR { count[$4] = $2; bytes[$4] = $3; next }
    $1 ~ /^[0-9]+:$/ { printf "%d\t%.1f\t%s\n", $3 - bytes[$4], ($2 - count[$4]) / n, $4 }
  ' "$out/histogram.$1.before.txt" "$out/histogram.$1.held.txt" | sort -rn \
    | awk -v n="$connections" -F'\t' 'NR <= 12 { printf "| `%s` | %s | %.0f |\n", $3, $2, $1 / n }'
}

{
  echo "| Machine and run | |"
  echo "|---|---|"
  echo "| Date | $(date -u '+%Y-%m-%d %H:%M UTC') |"
  echo "| CPU | $(nproc) × $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo) |"
  echo "| Memory | $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) |"
  echo "| Kernel | $(uname -sr) |"
  echo "| JDK | $(java -version 2>&1 | sed -n 2p), $java_opts (MaxHeapSize $((max_heap / 1048576)) MB) |"
  echo "| nginx | $("$nginx_bin" -v 2>&1 | sed 's/^nginx version: //'), uwsgi_request_buffering off, client_max_body_size 0 |"
  echo "| Code | $code |"
  echo
  echo "Upload of $upload_mib MiB of random bytes ($body_bytes bytes) with curl through nginx, streamed to a file:"
  echo
  echo "| uwsgi over | HTTP status | time | throughput | result | peak heap used | collections (full) |"
  echo "|---|--:|--:|--:|---|--:|--:|"
  while IFS=$'\t' read -r transport code seconds result peak collections full; do
    printf '| %s | %s | %.1f s | %.0f MiB/s | %s | %s MB | %s (%s) |\n' "$transport" "$code" "$seconds" \
      "$(awk -v s="$seconds" -v m="$upload_mib" 'BEGIN { print m / s }')" "$result" "$peak" "$collections" "$full"
  done < "$out/upload.tsv"
  echo
  echo "Peak resident memory of the application's process after both uploads: $peak_rss MB." \
    "nginx buffered the body to a temporary file $buffered time(s)."
  echo
  echo "$connections idle uwsgi connections held at once (live heap after a full collection, before and while held):"
  echo
  echo "| uwsgi over | server's sockets added | live heap before | live heap held | heap per connection | off-heap buffers per connection |"
  echo "|---|--:|--:|--:|--:|--:|"
  while IFS=$'\t' read -r transport held before after direct; do
    printf '| %s | %s | %.1f MB | %.1f MB | %s B | %s B |\n' "$transport" "$held" \
      "$(awk -v b="$before" 'BEGIN { print b / 1048576 }')" "$(awk -v b="$after" 'BEGIN { print b / 1048576 }')" \
      $(((after - before) / connections)) $((direct * 1024 / connections))
  done < "$out/idle.tsv"
  for transport in tcp unix; do
    echo
    echo "Classes that grew most while the connections were held, over $transport:"
    echo
    echo "| Class | instances per connection | bytes per connection |"
    echo "|---|--:|--:|"
    top_classes "$transport"
  done
} > "$out/results.md"
echo
cat "$out/results.md"
echo
echo "Results: $out/results.md"
if cut -f4 "$out/upload.tsv" | grep -qv 'match$'; then
  echo "An upload failed: see $out/app.log and $out/nginx-error.log" >&2
  exit 1
fi
