#!/usr/bin/env bash
# Set up the project and run `intake demo`: a sample mailbox processed end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-venv.sh
printf '[%s] %s\n' "$(date +%H:%M:%S)" "运行演示：处理样例邮箱（约 10 秒）"
exec .venv/bin/intake demo "$@"
