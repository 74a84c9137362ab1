#!/bin/sh
# make bench: every benchmark, each against its reference tool in the same run.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "benchmarks build namespaces: run as root"; exit 77; }
command -v bc > /dev/null || { echo "bc missing: ci/install-deps.sh test"; exit 1; }
sh "$here/star.sh" 100 3
# 77: strongSwan is not installed here; the star benchmark above still counts
sh "$here/ike_handshakes.sh" 100 || [ $? -eq 77 ]
sh "$here/esp_micro.sh" 2
sh "$here/esp_throughput.sh" 5
sh "$here/inspect.sh" 1024
