#!/usr/bin/env bash
# Set up the project and run `intake demo`: a sample mailbox processed end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-venv.sh
exec .venv/bin/intake demo "$@"
