#!/usr/bin/env bash
# Create .venv and install the project into it (with test extras when asked),
# saying what it does: the first install takes about a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }

if ! [ -x .venv/bin/python ] || ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
  step "创建虚拟环境 .venv"
  rm -rf .venv  # a half-made one (venv without pip) would fail later, less clearly
  if ! python3 -m venv .venv; then
    rm -rf .venv
    echo "无法创建虚拟环境。Debian/Ubuntu 自带的 python3 需先安装 venv 模块：sudo apt-get install python3-venv" >&2
    exit 1
  fi
fi
extras=""
[ "${1:-}" = "test" ] && extras="[test]"
step "安装本项目及其依赖（首次约需 1 分钟，之后几秒）"
# pip's own lines, one per package, so a first install is not a silent minute; errors go to stderr as they are.
.venv/bin/python -m pip install --disable-pip-version-check -e ".${extras}" \
  | awk '/^Collecting / { print "  获取 " $2; fflush() }
         /^Installing collected packages/ { print "  正在安装已下载的软件包……"; fflush() }'
step "安装完成"
