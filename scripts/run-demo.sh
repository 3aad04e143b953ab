#!/usr/bin/env bash
# Builds the demo app and runs it behind a real nginx: nginx listens on HTTP and passes every
# request to the app with uwsgi_pass, over a unix socket (port 8088) and over TCP (port 8089).
# Ctrl-C stops both. The WebFlux demo by default; DEMO=mvc runs the Spring MVC demo on Tomcat,
# which serves the same pages.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scripts/install-peers.sh nginx

unix_port=${DEMO_HTTP_PORT_UNIX:-8088}
tcp_port=${DEMO_HTTP_PORT_TCP:-8089}
uwsgi_port=${DEMO_UWSGI_PORT:-3031}
case "${DEMO:-webflux}" in
  webflux) app=demo-app ;;
  mvc) app=demo-mvc-app ;;
  *) echo "DEMO must be webflux or mvc: $DEMO" >&2; exit 2 ;;
esac
run_dir=$(mktemp -d "${TMPDIR:-/tmp}/uwsgi-demo.XXXXXX")
# nginx's workers may run as another user (nobody, www-data): let them in.
chmod 755 "$run_dir"
for temp in client_body_temp uwsgi_temp proxy_temp fastcgi_temp scgi_temp; do
  mkdir -p "$run_dir/$temp" && chmod 777 "$run_dir/$temp"
done

echo "Building..."
./mvnw -q -B -DskipTests install

app_pid=""
nginx_pid=""
cleanup() {
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null || true
  rm -rf "$run_dir"
}
trap cleanup EXIT INT TERM

UWSGI_DEMO_SOCKET="$run_dir/uwsgi.sock" java -jar "$app"/target/"$app"-*.jar \
  --uwsgi.port="$uwsgi_port" > "$run_dir/app.log" 2>&1 &
app_pid=$!
for _ in $(seq 1 60); do
  [ -S "$run_dir/uwsgi.sock" ] && break
  kill -0 "$app_pid" 2>/dev/null || { cat "$run_dir/app.log"; exit 1; }
  sleep 0.5
done

for file in nginx.conf locations.conf; do
  sed -e "s|@RUN_DIR@|$run_dir|g" -e "s|@UWSGI_SOCKET@|$run_dir/uwsgi.sock|g" \
      -e "s|@UWSGI_PORT@|$uwsgi_port|g" -e "s|@HTTP_PORT_UNIX@|$unix_port|g" \
      -e "s|@HTTP_PORT_TCP@|$tcp_port|g" -e "s|@UWSGI_PARAMS@|/etc/nginx/uwsgi_params|g" \
      "$app/nginx/$file" > "$run_dir/$file"
done
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
"$nginx_bin" -p "$run_dir" -c "$run_dir/nginx.conf" &
nginx_pid=$!
sleep 1
kill -0 "$nginx_pid" 2>/dev/null || { cat "$run_dir/error.log"; exit 1; }

cat <<MSG

The demo app ($app) is running behind nginx (uwsgi_pass). Open:
  http://localhost:$unix_port/    nginx -> unix socket $run_dir/uwsgi.sock
  http://localhost:$tcp_port/    nginx -> TCP 127.0.0.1:$uwsgi_port
  http://localhost:$unix_port/app/request   mounted under /app (SCRIPT_NAME, HTTPS=on)
The app log is $run_dir/app.log. Press Ctrl-C to stop.
MSG
wait "$nginx_pid"
