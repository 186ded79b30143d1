#!/usr/bin/env bash
# The offline bundle: one folder (and a .tar of it) that an analyst carries to a machine with no
# network (a government intranet) and installs from with install.sh. It holds
#   yqeval/      the project's tracked files (code, notebooks, reference data, sample data);
#   wheels/      every Python distribution requirements.lock pins for this platform and Python
#                (pip download, hash-checked against the lock; odfpy comes as source and is built
#                offline by setup.sh with the setuptools of the lock);
#   debs/        the Debian packages setup.sh installs (fonts, HarfBuzz subsetting, Pango, poppler,
#                python3-venv, make) with every dependency that a minimal Debian 12 lacks;
#   install.sh   the offline set-up; CONTENTS.txt lists every file with its sha256 (SHA256SUMS too).
#
#   bash scripts/bundle.sh [--out DIR] [--python PY] [--no-debs] [--no-archive]
#
# --python: the Python of the offline machine (default: Debian's /usr/bin/python3 when present, as
# on Debian 12: 3.11.2). Wheels are chosen for it: build the bundle on the same architecture and
# Debian release as the offline machine. Needs the network (PyPI, Debian's mirror); apt-get download
# as root.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

DEBS=(fonts-noto-cjk fontconfig poppler-utils python3-venv make)
OUT=""
PY=""
WITH_DEBS=1
ARCHIVE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    --python) PY=$2; shift 2 ;;
    --no-debs) WITH_DEBS=0; shift ;;
    --no-archive) ARCHIVE=0; shift ;;
    *) echo "未知参数：$1（可用：--out DIR --python PY --no-debs --no-archive）" >&2; exit 2 ;;
  esac
done
if [ -z "$PY" ]; then
  if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
fi
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "离线包的目标 Python（$PY）须为 3.11 或更高版本" >&2; exit 1; }
pyver=$("$PY" -c 'import platform; print(platform.python_version())')
rev=$(git rev-parse --short=12 HEAD 2>/dev/null || echo nogit)
OUT=${OUT:-dist/yqeval-offline-$rev}
rm -rf "$OUT"
mkdir -p "$OUT/wheels" "$OUT/debs"
OUT=$(cd "$OUT" && pwd)
t0=$SECONDS

echo "==> 项目文件 → $OUT/yqeval"
mkdir -p "$OUT/yqeval"
git ls-files -z | tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$OUT/yqeval"
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  echo "    注意：工作区有未提交的改动，离线包带的是当前文件（提交号 $rev 之后的改动）"
fi

echo "==> Python 软件包（Python $pyver，$(uname -m)）→ $OUT/wheels"
tmpvenv=$(mktemp -d)
trap 'rm -rf "$tmpvenv"' EXIT
"$PY" -m venv "$tmpvenv/venv"
"$tmpvenv/venv/bin/python" -m pip download -q --disable-pip-version-check --no-deps \
  --require-hashes -r requirements.lock -d "$OUT/wheels"

debs_note="（未带 .deb：用 --no-debs 生成）"
if [ "$WITH_DEBS" = 1 ]; then
  echo "==> Debian 软件包及其依赖（基本系统已有的除外）→ $OUT/debs"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq; fi
  # What apt would install on the smallest Debian 12 (debootstrap --variant=minbase: the packages of
  # priority required with their dependencies), without recommends: simulated against such a dpkg
  # status. A fuller installation already has some of them; install.sh then installs only the rest.
  apt-cache dumpavail > "$tmpvenv/avail"
  awk 'BEGIN{RS=""} /\nPriority: required\n/ {split($0, a, "\n"); sub(/^Package: /, "", a[1]); print a[1]}' \
    "$tmpvenv/avail" > "$tmpvenv/base-names"
  : > "$tmpvenv/empty-status"
  apt-get -s -o Dir::State::status="$tmpvenv/empty-status" install --no-install-recommends \
    $(cat "$tmpvenv/base-names") | awk '/^Inst /{print $2}' | sort -u > "$tmpvenv/base"
  "$PY" - "$tmpvenv/avail" "$tmpvenv/base" "$tmpvenv/base-status" <<'EOP'
import re, sys
avail, base, out = open(sys.argv[1]).read().split("\n\n"), set(open(sys.argv[2]).read().split()), []
seen = set()
for stanza in avail:
    m = re.match(r"Package: (\S+)", stanza.strip())
    if m and m[1] in base and m[1] not in seen:
        seen.add(m[1])
        lines = stanza.strip().split("\n")
        out.append("\n".join([lines[0], "Status: install ok installed"] + lines[1:]))
open(sys.argv[3], "w").write("\n\n".join(out) + "\n\n")
EOP
  mapfile -t wanted < <(apt-get -s -o Dir::State::status="$tmpvenv/base-status" install --no-install-recommends \
      "${DEBS[@]}" | awk '/^Inst /{print $2}' | sort -u)
  [ ${#wanted[@]} -gt 0 ] || { echo "无法确定要下载的 Debian 软件包（apt-get 模拟安装失败）" >&2; exit 1; }
  (cd "$OUT/debs" && apt-get download -qq -o APT::Sandbox::User=root "${wanted[@]}")
  debs_note=""
fi

echo "==> install.sh、CONTENTS.txt"
cat > "$OUT/install.sh" <<'EOS'
#!/usr/bin/env bash
# Offline set-up from this bundle: no network needed.
#   1. the Debian packages in debs/ (as root; those already installed are left alone);
#   2. yqeval/.venv with the Python packages of wheels/ (hash-checked against requirements.lock),
#      the project itself and its Jupyter kernel "yqeval" — by yqeval/scripts/setup.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
want=@PYVER@  # the Python the wheels were chosen for
# only the packages this machine lacks: an installed one (perhaps of another point release) stays as it is
missing=()
if [ -d "$here/debs" ] && command -v dpkg-query >/dev/null 2>&1; then
  for f in "$here"/debs/*.deb; do
    [ -e "$f" ] || continue
    pkg=$(dpkg-deb -f "$f" Package)
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$f")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "==> 安装离线包中本机缺少的 ${#missing[@]} 个 Debian 软件包"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "缺少系统软件包，请以管理员身份运行：sudo bash $0（或 sudo apt-get install ${missing[*]}）" >&2
    exit 1
  fi
fi
PYTHON=${PYTHON:-python3}
have=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo 无)
if [ "$have" != "$want" ]; then
  echo "本离线包的软件包是为 Python $want 准备的，而 $PYTHON 是 Python $have：请用 PYTHON=/路径/python$want bash install.sh 指定，或在与本机相同的系统上重新生成离线包" >&2
  exit 1
fi
cd "$here/yqeval"
YQEVAL_WHEELS="$here/wheels" PYTHON="$PYTHON" bash scripts/setup.sh
echo "完成。生成示例报告：cd $here/yqeval && make report（或 .venv/bin/yqeval run 2019Q4）"
EOS
sed -i "s/@PYVER@/${pyver%.*}/" "$OUT/install.sh"
chmod +x "$OUT/install.sh"

(
  cd "$OUT"
  find wheels debs -type f | LC_ALL=C sort | xargs sha256sum > SHA256SUMS
  {
    echo "埇桥区评估工作簿离线安装包：提交 $rev，Python $pyver，$(uname -m)，$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
    echo "安装：bash install.sh（详见 yqeval/README.md“离线安装”）；核对文件：sha256sum -c SHA256SUMS"
    echo
    echo "Python 软件包（wheels/，$(find wheels -type f | wc -l) 个）："
    find wheels -type f -printf '  %f\t%s\n' | LC_ALL=C sort
    echo
    echo "Debian 软件包（debs/，$(find debs -type f -name '*.deb' | wc -l) 个）$debs_note："
    find debs -type f -name '*.deb' -printf '  %f\t%s\n' | LC_ALL=C sort
  } > CONTENTS.txt
)
if [ "$ARCHIVE" = 1 ]; then
  tar -C "$(dirname "$OUT")" -cf "$OUT.tar" "$(basename "$OUT")"
  echo "==> 归档：$OUT.tar（$(du -sh "$OUT.tar" | cut -f1)）"
fi
echo "离线包：$OUT（$(du -sh "$OUT" | cut -f1)，用时 $((SECONDS - t0)) 秒）"
