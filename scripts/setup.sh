#!/usr/bin/env bash
# Set up everything the workbook needs, once:
#   0. check what the set-up itself needs (Python >= 3.11 with venv, make) and say in Chinese what
#      is missing and how to get it;
#   1. Debian packages for the reports (CJK fonts, fontconfig to find them, poppler-utils for checking
#      PDFs; the PDFs are set by Typst, which is in its wheel) — installed when root, otherwise the exact
#      command is printed;
#   2. a local .venv with the packages of requirements.lock (pinned, hash-checked) and this project;
#   3. the project's Jupyter kernel "yqeval" in that .venv (the notebooks name it).
# Offline: YQEVAL_WHEELS=<folder of wheels> installs from that folder only (the offline bundle's
# install.sh sets it; see README). A second run with nothing changed does nothing (a stamp records
# what was installed).
set -euo pipefail
cd "$(dirname "$0")/.."

DEBS=(fonts-noto-cjk fontconfig poppler-utils)
KERNEL=yqeval
PYTHON=${PYTHON:-python3}
WHEELS=${YQEVAL_WHEELS:-}

# ---------------------------------------------------------------- 0. what the set-up needs
problems=()
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  problems+=("找不到 Python（$PYTHON）。请安装 Python 3.11 或更高版本：Debian/Ubuntu/统信UOS/麒麟 执行 sudo apt-get install python3 python3-venv；Windows 从 python.org 或 conda-forge 安装；已装在别处时用 PYTHON=/路径/python3 make setup 指定")
elif ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  have=$("$PYTHON" -c 'import platform; print(platform.python_version())' 2>/dev/null || echo 未知)
  problems+=("Python 版本为 $have，需要 3.11 或更高版本。Debian 12 自带 3.11（sudo apt-get install python3），更早的系统请另装 3.11+ 并用 PYTHON=/路径/python3.11 make setup 指定")
elif ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && [ -z "$WHEELS" ]; then
    DEBS+=(python3-venv)  # installed with the others below
  else
    problems+=("Python 缺少 venv 模块（建立虚拟环境用）。Debian/Ubuntu/统信UOS/麒麟 执行 sudo apt-get install python3-venv（离线包中已带，见 README）")
  fi
fi
command -v make >/dev/null 2>&1 || problems+=("找不到 make（make report、make test 要用）。Debian 系执行 sudo apt-get install make；也可直接运行 bash scripts/setup.sh 和 .venv/bin/yqeval")
if [ -n "$WHEELS" ] && [ ! -d "$WHEELS" ]; then
  problems+=("离线安装的软件包目录 $WHEELS 不存在")
fi
if [ ${#problems[@]} -gt 0 ]; then
  echo "无法继续安装，缺少以下条件：" >&2
  for p in "${problems[@]}"; do echo "  - $p" >&2; done
  exit 1
fi

# ---------------------------------------------------------------- 1. Debian packages
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${DEBS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ -n "$WHEELS" ]; then
    echo "缺少系统软件包：${missing[*]}" >&2
    echo "离线安装时请先以管理员身份安装离线包中的 .deb：sudo dpkg -i debs/*.deb（见 README）" >&2
    exit 1
  elif [ "$(id -u)" = 0 ]; then
    echo "==> 安装系统软件包：${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "缺少系统软件包：${missing[*]}" >&2
    echo "请以管理员身份运行：sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
elif ! command -v dpkg-query >/dev/null 2>&1; then
  echo "提示：这不是 Debian 系系统，请自行安装 fontconfig 和思源（Noto CJK）字体（见 README“其他系统”，未经测试）" >&2
fi

# ---------------------------------------------------------------- 2. .venv and packages
stamp=.venv/.yqeval-installed
want=$(cat requirements.lock pyproject.toml | sha256sum | cut -c1-64)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x .venv/bin/yqeval ] \
   && [ -f ".venv/share/jupyter/kernels/$KERNEL/kernel.json" ]; then
  exit 0
fi
if [ ! -x .venv/bin/python ]; then
  echo "==> 创建 Python 虚拟环境 .venv"
  "$PYTHON" -m venv .venv
fi
pip=(.venv/bin/python -m pip install -q --disable-pip-version-check)
if [ -n "$WHEELS" ]; then
  pip+=(--no-index --find-links "$WHEELS")
  echo "==> 从 $WHEELS 离线安装固定版本的 Python 依赖（requirements.lock，逐个核对 sha256）"
else
  echo "==> 安装固定版本的 Python 依赖（requirements.lock，逐个核对 sha256）"
fi
# the build backend first: the one package the lock has only as source (odfpy) builds with it
build=$(mktemp)
trap 'rm -f "$build"' EXIT
awk '/^(setuptools|wheel)==/{keep=1} /^[a-z]/ && !/^(setuptools|wheel)==/{keep=0} keep && !/^ *#/' requirements.lock > "$build"
"${pip[@]}" --require-hashes -r "$build"
"${pip[@]}" --require-hashes --no-build-isolation -r requirements.lock
"${pip[@]}" --no-deps --no-build-isolation -e .

# ---------------------------------------------------------------- 3. the project's kernel
echo "==> 注册 Jupyter 内核 $KERNEL（.venv 内）"
.venv/bin/python -m ipykernel install --sys-prefix --name "$KERNEL" --display-name "Python (yqeval)" >/dev/null
echo "$want" > "$stamp"
