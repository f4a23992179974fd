#!/usr/bin/env bash
# Installs what the benchmark suite measures with and against, from Debian's
# packages, when it is missing: wrk (the load generator of the reference
# numbers; without it the suite falls back to its own Go generator, whose
# numbers compare only with each other) and curl (the CLI's baseline).
# PostgreSQL is not installed here: the suite uses the server at --postgres.
set -euo pipefail
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
if ((${#missing[@]} == 0)); then
	echo "bench/setup.sh: wrk and curl are installed"
	exit 0
fi
sudo=""
if [[ $(id -u) != 0 ]]; then sudo=sudo; fi
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}"
