#!/usr/bin/env bash
# Runs tokens.yml (the awx.awx collection) against a fresh `awxtoken server`:
# builds the binary, starts it on a free loopback port with a temporary
# SQLite file and a bootstrap superuser, waits for /api/v2/ping/, runs the
# playbook, stops the server. Exits with ansible-playbook's status, so any
# failed task fails the script.
#
#   bash test/collection/run.sh [ansible-playbook options, e.g. -v]
#
# AWXTOKEN_BIN: use this binary instead of building one.
# CONTROLLER_HOST (with CONTROLLER_USERNAME and CONTROLLER_PASSWORD): run
# against that server instead (a real AWX, to compare), starting nothing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

command -v ansible-playbook >/dev/null || {
  echo "run.sh: ansible-playbook is not installed (apt-get install -y ansible)" >&2
  exit 1
}

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${CONTROLLER_HOST:-}" ]; then
  bin="${AWXTOKEN_BIN:-}"
  if [ -z "$bin" ]; then
    bin="$work/awxtoken"
    (cd "$root" && go build -o "$bin" ./cmd/awxtoken)
  fi
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  export CONTROLLER_HOST="http://127.0.0.1:$port"
  export CONTROLLER_USERNAME=admin
  CONTROLLER_PASSWORD="$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')"
  export CONTROLLER_PASSWORD
  AWXTOKEN_ADMIN_USERNAME="$CONTROLLER_USERNAME" AWXTOKEN_ADMIN_PASSWORD="$CONTROLLER_PASSWORD" \
    "$bin" server --listen "127.0.0.1:$port" --database "$work/awxtoken.db" >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    if python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
        "$CONTROLLER_HOST/api/v2/ping/" 2>/dev/null; then
      break
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "run.sh: the server exited:" >&2
      cat "$work/server.log" >&2
      exit 1
    fi
    sleep 0.1
  done
fi

# A private HOME: the collection also reads ~/.tower_cli.cfg, and a token
# there would replace the password login this playbook exercises.
export HOME="$work/home"
mkdir -p "$HOME"
export ANSIBLE_CONFIG="$here/ansible.cfg"
export ANSIBLE_LOCAL_TEMP="$work/ansible-tmp"
status=0
ansible-playbook "$here/tokens.yml" "$@" || status=$?
if [ "$status" != 0 ] && [ -n "$server_pid" ]; then
  echo "run.sh: server log:" >&2
  cat "$work/server.log" >&2
fi
exit "$status"
