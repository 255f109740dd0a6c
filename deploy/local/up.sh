#!/usr/bin/env bash
# Starts a cluster-mode Mesh on this machine: a PostgreSQL server on loopback, the schema (mesh db init), and N silo
# processes. Everything lives in one folder (default .mesh-local at the repository root); deploy/local/down.sh stops it.
#
#   deploy/local/up.sh                 # 3 silos: HTTP 8080-8082, gateways 30000-30002, silo ports 11111-11113
#   deploy/local/up.sh --silos 5 --http-port 9080
#   source .mesh-local/env && mesh agent list --tenant acme
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="${MESH_LOCAL_DIR:-$repo/.mesh-local}"
silos=3
http_port=8080
gateway_port=30000
silo_port=11111
pg_port=54329
configuration=Release
build=1

usage() {
  cat <<USAGE
Usage: deploy/local/up.sh [options]

Starts PostgreSQL on 127.0.0.1, applies the schema and starts N Mesh silos in cluster mode.

Options:
  --silos N            silos to start (default 3)
  --dir PATH           where data, logs and pid files go (default \$MESH_LOCAL_DIR or .mesh-local)
  --http-port P        first silo's HTTP port; silo i uses P+i (default 8080)
  --gateway-port P     first gateway port (default 30000)
  --silo-port P        first silo-to-silo port (default 11111)
  --pg-port P          PostgreSQL port (default 54329)
  --configuration C    build configuration to run (default Release)
  --no-build           run what is already built
  -h, --help           this text

Afterwards: source <dir>/env (MESH_URL, MESH_TOKEN, MESH_DB_CONNECTION) and use the mesh CLI or mesh-load.
Stop with deploy/local/down.sh (add --purge to delete the folder).
USAGE
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --silos) silos="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --http-port) http_port="$2"; shift 2 ;;
    --gateway-port) gateway_port="$2"; shift 2 ;;
    --silo-port) silo_port="$2"; shift 2 ;;
    --pg-port) pg_port="$2"; shift 2 ;;
    --configuration) configuration="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "up.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

[[ "$silos" =~ ^[1-9][0-9]*$ ]] || { echo "up.sh: --silos must be a positive number" >&2; exit 2; }
command -v dotnet >/dev/null || { echo "up.sh: dotnet is not on PATH" >&2; exit 1; }

# PostgreSQL server binaries: Debian's layout first, then pg_config.
pg_bin=""
for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  [[ -x "$candidate/initdb" ]] && { pg_bin="$candidate"; break; }
done
if [[ -z "$pg_bin" ]] && command -v pg_config >/dev/null && [[ -x "$(pg_config --bindir)/initdb" ]]; then
  pg_bin="$(pg_config --bindir)"
fi
[[ -n "$pg_bin" ]] || { echo "up.sh: no PostgreSQL server found (apt-get install postgresql)" >&2; exit 1; }

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
pg_data="$dir/postgres"
pg_socket="$dir/socket"
mkdir -p "$pg_socket" "$dir/logs" "$dir/silo-data"
chmod 700 "$pg_socket"
chmod 700 "$dir"

# PostgreSQL refuses to run as root: run it as the postgres user then.
as_pg() {
  if [[ "$(id -u)" == 0 ]]; then
    chown -R postgres: "$pg_socket" "$dir/logs"
    [[ -d "$pg_data" ]] && chown -R postgres: "$pg_data"
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}
if [[ "$(id -u)" == 0 ]]; then
  chmod 711 "$dir"
fi

password_file="$dir/pg-password"
if [[ ! -s "$password_file" ]]; then
  (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$password_file")
fi
password="$(cat "$password_file")"

# Every silo proves operator calls to the others with the same secret.
secret_file="$dir/cluster-secret"
if [[ ! -s "$secret_file" ]]; then
  (umask 077; head -c 32 /dev/urandom | base64 | tr -d '\n' > "$secret_file")
fi

if [[ ! -f "$pg_data/PG_VERSION" ]]; then
  echo "PostgreSQL: initialising $pg_data"
  mkdir -p "$pg_data"
  pwfile="$dir/.pwfile"
  (umask 077; printf '%s\n' "$password" > "$pwfile")
  [[ "$(id -u)" == 0 ]] && chown postgres: "$pwfile"
  as_pg "$pg_bin/initdb" -D "$pg_data" -U mesh --pwfile="$pwfile" --auth-host=scram-sha-256 --auth-local=trust \
    --encoding=UTF8 --no-instructions >"$dir/logs/initdb.log" 2>&1 || { cat "$dir/logs/initdb.log" >&2; rm -f "$pwfile"; exit 1; }
  rm -f "$pwfile"
fi

if as_pg "$pg_bin/pg_ctl" -D "$pg_data" status >/dev/null 2>&1; then
  echo "PostgreSQL: already running"
else
  echo "PostgreSQL: starting on 127.0.0.1:$pg_port"
  as_pg "$pg_bin/pg_ctl" -D "$pg_data" -l "$dir/logs/postgres.log" -w -t 60 \
    -o "-p $pg_port -k $pg_socket -c listen_addresses=127.0.0.1" start >/dev/null
fi

connection="Host=127.0.0.1;Port=$pg_port;Username=mesh;Password=$password;Database=mesh"
if ! as_pg "$pg_bin/psql" -h "$pg_socket" -p "$pg_port" -U mesh -d postgres -tAc "select 1 from pg_database where datname='mesh'" | grep -q 1; then
  as_pg "$pg_bin/createdb" -h "$pg_socket" -p "$pg_port" -U mesh mesh
fi

if [[ "$build" == 1 ]]; then
  echo "Building ($configuration)"
  dotnet build "$repo/src/Mesh.Silo" -c "$configuration" -v quiet -nologo >"$dir/logs/build.log" 2>&1 || { cat "$dir/logs/build.log" >&2; exit 1; }
  dotnet build "$repo/src/Mesh.Cli" -c "$configuration" -v quiet -nologo >>"$dir/logs/build.log" 2>&1 || { cat "$dir/logs/build.log" >&2; exit 1; }
fi
silo_dll="$repo/src/Mesh.Silo/bin/$configuration/net10.0/Mesh.Silo.dll"
cli_dll="$repo/src/Mesh.Cli/bin/$configuration/net10.0/mesh.dll"
[[ -f "$silo_dll" && -f "$cli_dll" ]] || { echo "up.sh: $silo_dll or $cli_dll is missing (build first or drop --no-build)" >&2; exit 1; }

echo "Schema: mesh db init"
MESH_DB_CONNECTION="$connection" dotnet "$cli_dll" db init

# The connection string travels in the environment, not on the command line (ps would show the password).
export Mesh__Mode=cluster
export Mesh__Cluster__ConnectionString="$connection"
export Mesh__AdvertisedAddress=127.0.0.1
Mesh__ClusterSecret="$(cat "$secret_file")"
export Mesh__ClusterSecret
for ((i = 0; i < silos; i++)); do
  pid_file="$dir/silo-$i.pid"
  if [[ -f "$pid_file" ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    echo "Silo $i: already running (pid $(cat "$pid_file"))"
    continue
  fi
  log="$dir/logs/silo-$i.log"
  : >"$log"
  nohup dotnet "$silo_dll" --silo-port $((silo_port + i)) --gateway-port $((gateway_port + i)) \
    --http-url "http://127.0.0.1:$((http_port + i))" --data-dir "$dir/silo-data" >"$log" 2>&1 &
  echo $! >"$pid_file"
  echo "Silo $i: starting (pid $!, HTTP http://127.0.0.1:$((http_port + i)), gateway 127.0.0.1:$((gateway_port + i)))"
done

deadline=$((SECONDS + 180))
for ((i = 0; i < silos; i++)); do
  log="$dir/logs/silo-$i.log"
  until grep -q "Mesh ready" "$log"; do
    if ! kill -0 "$(cat "$dir/silo-$i.pid")" 2>/dev/null && ! grep -q "Mesh ready" "$log"; then
      echo "Silo $i exited; its log ($log):" >&2; tail -n 40 "$log" >&2; exit 1
    fi
    (( SECONDS < deadline )) || { echo "Silo $i is not ready after 180 s; see $log" >&2; exit 1; }
    sleep 0.5
  done
done

until [[ -s "$dir/silo-data/admin.token" ]]; do
  (( SECONDS < deadline )) || { echo "No admin token was written to $dir/silo-data" >&2; exit 1; }
  sleep 0.5
done

(umask 077; cat >"$dir/env" <<ENV
export MESH_URL=http://127.0.0.1:$http_port
export MESH_TOKEN=$(cat "$dir/silo-data/admin.token")
export MESH_DB_CONNECTION='$connection'
ENV
)

cat <<DONE

Mesh is running in cluster mode: $silos silo(s) on PostgreSQL 127.0.0.1:$pg_port.
  source $dir/env        # MESH_URL, MESH_TOKEN (admin), MESH_DB_CONNECTION
  dotnet $cli_dll --help
  logs: $dir/logs/       stop: deploy/local/down.sh$( [[ "$dir" != "$repo/.mesh-local" ]] && echo " --dir $dir")
DONE
