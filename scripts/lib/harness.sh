# Shared by scripts/benchmark.sh and scripts/memory.sh (sourced, not run): stopping what a script
# started, its run directory, and waiting for a process to get ready.

port_taken() { # port: whether something listens on 127.0.0.1:port
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

stop() { # pid signal: send the signal, wait up to 10 s, then kill
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill "-$2" "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

new_run_dir() { # name: print a new run directory for nginx and the sockets
  # unix socket paths must stay short (108 bytes): the run directory lives in /tmp
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  # nginx's workers may run as another user (nobody, www-data): let them in
  chmod 755 "$dir"
  for temp in client_body_temp uwsgi_temp proxy_temp fastcgi_temp scgi_temp; do
    mkdir -p "$dir/$temp" && chmod 777 "$dir/$temp"
  done
  echo "$dir"
}

await() { # description pid test...: wait up to 60 s until the test passes, else show $run_dir's logs
  local what=$1 pid=$2
  shift 2
  for _ in $(seq 1 120); do
    "$@" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  echo "$what did not get ready; the logs:" >&2
  tail -n 50 "$run_dir"/*.log >&2
  exit 1
}

copy_classpath() { # module_dir dest: copy the module's classes and this project's jars to dest,
  # print the classpath of the copies (others may rebuild target/ and ~/.m2 during a run)
  local module_dir=$1 dest=$2 classpath entry entries
  mkdir -p "$dest"
  cp -r "$module_dir/target/classes" "$dest/benchmarks"
  classpath="$dest/benchmarks"
  IFS=: read -ra entries < "$module_dir/target/classpath.txt" || true  # the file has no final newline
  for entry in "${entries[@]}"; do
    case "$(basename "$entry")" in
      uwsgi-*) cp -r "$entry" "$dest/" && entry="$dest/$(basename "$entry")" ;;
    esac
    classpath="$classpath:$entry"
  done
  echo "$classpath"
}

code_description() { # module build: describe the code a run uses (commit, where the autoconfigure jar came from)
  local code jar from changed
  code="commit $(git rev-parse --short HEAD 2>/dev/null)"
  jar=$(tr ':' '\n' < "$1/target/classpath.txt" | grep '/uwsgi-spring-boot-autoconfigure-[^/]*\.jar$' || true)
  if [ "$2" != reactor ] && [ -n "$jar" ]; then
    from=${jar#"$PWD/"}
    case "$from" in "$HOME/.m2/"*) from="~/.m2" ;; esac
    code="$code, uwsgi-spring-boot-autoconfigure from $from ($(date -u -r "$jar" '+%Y-%m-%d %H:%M UTC'))"
  else
    # modified or new files not committed: the build compiled them too
    changed=$(git status --porcelain -- uwsgi-core/src/main uwsgi-spring-boot-autoconfigure/src/main \
      uwsgi-tomcat/src/main 2>/dev/null | cut -c4- | cut -d/ -f1 | sort -u | paste -sd, - | sed 's/,/, /g')
    [ -z "$changed" ] || code="$code with uncommitted changes to $changed"
  fi
  echo "$code"
}
