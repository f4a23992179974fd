#!/usr/bin/env bash
# The demo on the embedded default: build awxtoken, start a throwaway dev
# server (SQLite in a temporary directory), and create and manage tokens
# through the client, as a user would. Needs only Go.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
bin="$work/awxtoken"
cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

echo "building awxtoken..."
go build -o "$bin" ./cmd/awxtoken

# Port 0: the kernel picks a free loopback port, and the dev server prints it.
"$bin" server --dev --listen 127.0.0.1:0 >"$work/dev.out" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 100); do
  grep -q CONTROLLER_OAUTH_TOKEN "$work/dev.out" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done
cat "$work/dev.out"
# The dev server prints the settings a client needs; take them as a user would.
eval "$(grep '^ *export CONTROLLER_' "$work/dev.out")"
export HOME="$work"  # no saved configuration of yours is read or written
awxtoken() { "$bin" "$@"; }

step awxtoken new --for-me --scope write --description "\"my first token\""
awxtoken new --for-me --scope write --description "my first token"

step 'T=$(awxtoken new --for-me --scope read -o token)'
T=$(awxtoken new --for-me --scope read -o token)
echo "T holds a ${#T}-character token"

step awxtoken app new --name demo-app --organization Default --client-type confidential --grant-type password
awxtoken app new --name demo-app --organization Default --client-type confidential --grant-type password
app=$(awxtoken app find --search demo-app -o json --jq '.[0].id')
echo "application id: $app"

step awxtoken new "$app" --what-if
awxtoken new "$app" --what-if

step awxtoken new "$app" --description "\"for the demo app\"" -o json
awxtoken new "$app" --description "for the demo app" -o json

step awxtoken find
awxtoken find

step 'CONTROLLER_OAUTH_TOKEN=$T awxtoken find --type personal   # the read-scoped token can read'
CONTROLLER_OAUTH_TOKEN=$T awxtoken find --type personal

step awxtoken update 2 --description "\"renamed\""
awxtoken update 2 --description "renamed"

step awxtoken remove 2 --force
awxtoken remove 2 --force

step awxtoken get 2
awxtoken get 2 || echo "(exit $?: the token is gone)"

echo
echo "demo finished; the dev server and its database are removed."
