"""`yqeval`: the command line of the evaluation workbook.

Exit codes (README, docs/limits.md): 0 done; 1 the run or check failed (a file system error, a run that
failed, another run holding the data folder); 2 usage or missing inputs (bad arguments, no raw folder,
bad reference data); 130 interrupted by Ctrl-C. Every error is one Chinese line on stderr, never a
traceback; an OSError names its path.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import errno
import os
import signal
import sys
import threading
import time
from pathlib import Path

from helpers.plan import quarters, reference


def _print_csv(header: list[str], rows: list[list[str]]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)


def cmd_plan(args: argparse.Namespace) -> int:
    if getattr(args, "plan_command", None) == "init":
        from helpers.plan import init_plan

        written = init_plan(args.dir, args.source, force=args.force)
        print(f"已起草方案目录 {args.dir}（{len(written)} 个文件）：请补全 plan.yaml，核对 indicators.csv 中"
              f"标为“待确认”的行和 units.csv，然后运行 yqeval plan check {args.dir}")
        return 0
    if getattr(args, "plan_command", None) == "check":
        from helpers.plan import check_plan

        problems = check_plan(args.dir)
        for p in problems:
            print(f"问题：{p}")
        print(f"方案目录 {args.dir}：" + (f"{len(problems)} 个问题" if problems else "检查通过"))
        return 1 if problems else 0
    plan = reference.load_plan(args.reference)
    rows = [[str(t.number), t.text, t.lead, t.cooperating, t.deadline.isoformat()] for t in plan.tasks.values()]
    _print_csv(["序号", "工作任务", "牵头责任单位", "配合单位", "时限要求"], rows)
    return 0


def cmd_indicators(args: argparse.Namespace) -> int:
    plan = reference.load_plan(args.reference)
    rows = []
    for ind in plan.indicators.values():
        if ind.district_target is None:
            target = ""
        elif ind.kind in ("milestone", "qualitative"):
            target = "done"
        elif ind.kind == "ratio":
            target = f"{ind.district_target:.0%}"
        else:
            target = f"{ind.district_target:g}"
        rows.append([ind.code, str(ind.task), ind.name, ind.unit, ind.kind, target,
                     ind.deadline.isoformat(), "、".join(ind.reporters)])
    _print_csv(["code", "task", "name", "unit", "kind", "district_target", "deadline", "reporters"], rows)
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from helpers.ingest import ingest_quarter
    from helpers.run import run_lock

    quarter = quarters.validate(args.quarter)
    with run_lock(Path(args.data), "读取"):
        result = ingest_quarter(quarter, args.data)
    print(result.summary())
    return 0


def cmd_templates(args: argparse.Namespace) -> int:
    from helpers.contract import reference_dir
    from helpers.plan import write_templates

    ref = reference_dir(args.data)  # --reference (set for every step by main), else DATA/reference, else the project's
    plan = reference.load_plan(ref)
    paths = write_templates(quarters.validate(args.quarter), args.out, plan)
    # which plan the forms are for, so that forgetting --reference / --data is seen before the forms go out
    name = f"《{plan.words.name}》" if plan.info else "方案"
    print(f"已按{name}（参考数据目录 {ref}）生成 {len(paths)} 份填报模板：{args.out}")
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from helpers.sample import write_sample

    try:
        paths = write_sample(args.data, seed=args.seed, force=args.force)
    except KeyError as exc:  # the sample's story names the shipped plan's units and indicators
        raise ValueError(f"示例数据只为仓库自带的方案（data/reference）编写，不适用于当前参考数据目录中的方案"
                         f"（“{exc.args[0]}”不在示例数据中）；新方案的填报文件由各单位按 yqeval templates 生成的模板填写，"
                         "见 README“一个新方案的五步”") from None
    print(f"已生成示例数据 {len(paths)} 个文件：{args.data}/raw/")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from helpers.evaluate import evaluate_quarter
    from helpers.run import run_lock

    quarter = quarters.validate(args.quarter)
    with run_lock(Path(args.data), "评估"):
        result = evaluate_quarter(quarter, as_of=args.as_of, data_dir=args.data, compiled=args.compiled)
    print(result.summary())
    return 0


def cmd_reminders(args: argparse.Namespace) -> int:
    from helpers.run import run_reminders

    out = args.out or str(Path(args.reports) / "reminders")  # beside the quarter's reports (--reports)
    run_reminders(quarters.validate(args.quarter), as_of=args.as_of, data_dir=args.data, out_dir=out)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from helpers.contract import trim_imports

    trim_imports()  # before nbformat is first imported: an import nothing in the run uses (startup)
    from helpers.run import main_run

    return main_run(quarters.validate(args.quarter), as_of=args.as_of, data_dir=args.data,
                    reports_dir=args.reports, **({"compiled": args.compiled} if args.compiled else {}))


def cmd_verify(args: argparse.Namespace) -> int:
    from helpers.run import verify

    return verify(args.manifest, data_dir=args.data, reference=args.reference)


def cmd_scorecards(args: argparse.Namespace) -> int:
    from helpers.run import run_scorecards

    run_scorecards(quarters.validate(args.quarter), units=args.units, as_of=args.as_of,
                   data_dir=args.data, reports_dir=args.reports, workers=args.workers, scheduler=args.scheduler)
    return 0


def cmd_commentary(args: argparse.Namespace) -> int:
    from helpers.contract import datasets as D
    from helpers.contract import processed_dir
    from helpers.report import write_draft
    from helpers.run import command_hint

    quarter = quarters.validate(args.quarter)
    run = command_hint("run", quarter, args.data)  # with the --data / --reference given (docs/plan_life.md)
    if not D.exists(processed_dir(args.data, quarter), D.COMPLETION):
        print(f"错误：还没有 {quarter} 的评估结果，请先运行 {run}", file=sys.stderr)
        return 2
    path, written = write_draft(args.data, quarter)
    if not written:
        print(f"{path} 已存在，未作改动（草稿从不覆盖办公室已写的意见；如需重新起草，请先移走该文件）")
        return 1
    print(f"已写出评估意见草稿：{path}\n请修改为办公室的意见后运行 {run}（不需要改动笔记本或代码）")
    return 0


def _date_arg(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期“{text}”应写作 YYYY-MM-DD") from None


_ARGPARSE_WORDS = [("the following arguments are required", "缺少参数"), ("unrecognized arguments", "无法识别的参数"),
                   ("invalid choice", "无效的选择"), ("choose from", "可选"), ("expected one argument", "需要一个值"),
                   ("invalid int value", "不是整数"), ("argument ", "参数 ")]


_HELP_WORDS = (("usage: ", "用法："), ("positional arguments:", "位置参数："), ("options:", "选项："),
               ("show this help message and exit", "显示本帮助并退出"))


class Parser(argparse.ArgumentParser):
    """argparse with its usage errors, usage line and help headings in Chinese (the option names stay)."""

    def format_usage(self) -> str:
        return self._chinese(super().format_usage())

    def format_help(self) -> str:
        return self._chinese(super().format_help())

    @staticmethod
    def _chinese(text: str) -> str:
        for en, zh in _HELP_WORDS:
            text = text.replace(en, zh)
        return text

    def error(self, message: str):
        for en, zh in _ARGPARSE_WORDS:
            message = message.replace(en, zh)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：参数错误：{message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="yqeval", description="工作方案评估工作簿（方案见参考数据目录）")
    parser.add_argument("--reference", default=None, help="参考数据目录（默认 data/reference）")
    # global options are accepted after the subcommand too (yqeval run 2020Q1 --reference DIR)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--reference", default=argparse.SUPPRESS, help="参考数据目录（默认 data/reference）")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    _add = sub.add_parser
    sub.add_parser = lambda *a, **k: _add(*a, parents=[common], **k)  # every subcommand takes the global options
    p = sub.add_parser("plan", help="打印任务分解表（CSV）；plan init / plan check 起草、检查方案目录")
    p.set_defaults(func=cmd_plan)
    plan_sub = p.add_subparsers(dest="plan_command", parser_class=Parser)
    q = plan_sub.add_parser("init", help="由附件任务分解表（.docx/.xlsx/.csv）起草方案目录", parents=[common])
    q.add_argument("dir")
    q.add_argument("--from", dest="source", required=True, help="任务分解表文件")
    q.add_argument("--force", action="store_true", help="覆盖已有目录中的文件")
    q = plan_sub.add_parser("check", help="检查方案目录，逐项说明问题", parents=[common])
    q.add_argument("dir")
    sub.add_parser("indicators", help="打印指标目录（CSV）").set_defaults(func=cmd_indicators)

    p = sub.add_parser("ingest", help="读取 data/raw/QUARTER/ 的报送文件，写出 data/processed/QUARTER/")
    p.add_argument("quarter")
    p.add_argument("--data", default="data", help="数据目录（默认 data）")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("templates", help="为每个填报单位生成本季度的 Excel 填报模板")
    p.add_argument("quarter")
    p.add_argument("--out", required=True, help="输出目录")
    p.add_argument("--data", default="data", help="数据目录（默认 data）：方案取自其中的 reference/（若有）")
    p.set_defaults(func=cmd_templates)

    p = sub.add_parser("sample", help="生成四个季度的示例数据（合成数据，非真实统计）")
    p.add_argument("--data", default="data")
    p.add_argument("--seed", type=int, default=2019)
    p.add_argument("--force", action="store_true", help="覆盖 data/raw 中内容不同的同名文件")
    p.set_defaults(func=cmd_sample)

    for name, func, text in [("evaluate", cmd_evaluate, "计算完成率、序时进度与状态，写出 completion.csv"),
                             ("run", cmd_run, "执行三个笔记本并生成 HTML 和 PDF 评估报告"),
                             ("scorecards", cmd_scorecards, "为各单位生成单页评估卡")]:
        p = sub.add_parser(name, help=text)
        p.add_argument("quarter")
        p.add_argument("--as-of", type=_date_arg, default=None, help="评估日期（默认季末）")
        p.add_argument("--data", default="data")
        if name != "evaluate":
            p.add_argument("--reports", default="reports")
        if name != "scorecards":
            p.add_argument("--compiled", type=_date_arg, default=None,
                           help="编制日期：按此日判断报送情况（默认报送截止日 = 季末 + 迟报天数）")
        if name == "scorecards":
            p.add_argument("--units", nargs="*", default=None, help="只生成这些单位")
            p.add_argument("--workers", type=int, default=2, help="本机生成 PDF 的进程数（默认 2）")
            p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                           help="Dask 调度器地址（如 tcp://10.0.0.5:8786）：在该集群上生成 PDF；默认在本机")
        p.set_defaults(func=func)

    p = sub.add_parser("reminders", help="列出需催报的单位（终端 + xlsx），联系人取自 units.csv")
    p.add_argument("quarter")
    p.add_argument("--as-of", type=_date_arg, default=None, help="催报日期（默认报送截止日 = 季末 + 迟报天数）")
    p.add_argument("--data", default="data")
    p.add_argument("--reports", default="reports", help="报告目录（催报名单写在其下的 reminders/）")
    p.add_argument("--out", default=None, help="催报名单输出目录（默认 <报告目录>/reminders）")
    p.set_defaults(func=cmd_reminders)

    p = sub.add_parser("commentary", help="按评估结果起草本季度的评估意见 data/commentary/QUARTER.md（不覆盖已有文件）")
    p.add_argument("quarter")
    p.add_argument("--data", default="data")
    p.set_defaults(func=cmd_commentary)

    p = sub.add_parser("verify", help="按 manifest.json 重新运行并逐个文件比对")
    p.add_argument("manifest")
    p.add_argument("--data", default=None, help="数据目录（默认取清单记录的、项目内的数据目录）")
    p.set_defaults(func=cmd_verify)
    return parser


_OS_WORDS = {errno.ENOSPC: "磁盘空间已满", errno.EDQUOT: "磁盘配额已用完", errno.EACCES: "没有权限",
             errno.EPERM: "没有权限", errno.EROFS: "所在磁盘是只读的", errno.ENOTDIR: "路径中有一项是文件而不是文件夹",
             errno.EISDIR: "是文件夹而不是文件", errno.ENOENT: "不存在", errno.EEXIST: "已存在",
             errno.EIO: "磁盘读写错误", errno.ENAMETOOLONG: "路径过长", errno.EMFILE: "打开的文件过多",
             errno.ENOTEMPTY: "文件夹不是空的", errno.EXDEV: "不能跨磁盘移动", errno.ELOOP: "符号链接层数过多"}
_MISSING = (errno.ENOENT, errno.ENOTDIR, errno.EISDIR)  # a path given or expected that is not there: exit 2


def os_error_line(exc: OSError) -> str:
    """One Chinese line for a file system error, naming the path."""
    words = _OS_WORDS.get(exc.errno, f"系统错误（错误码 {exc.errno}）")
    paths = [p for p in (exc.filename, exc.filename2) if p is not None]
    if not paths:
        text = str(exc)
        return f"错误：{text}" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else f"错误：{words}"
    return f"错误：{' → '.join(os.fsdecode(p) if isinstance(p, bytes) else str(p) for p in paths)}：{words}"


GRACE_SECONDS = 5  # after Ctrl-C, clean-up gets this long before the process ends regardless
_interrupted = threading.Event()
INTERRUPTED = "已中断（Ctrl-C）：上一次的报告和处理结果保持不变"


def _children() -> list[int]:
    """Processes this one started (kernels, the reader worker), from /proc."""
    me, out = os.getpid(), []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return out
    for name in entries:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:
            out.append(int(name))
    return out


def _kill_children() -> None:
    for pid in _children():
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    kernels = sys.modules.get("helpers.run.kernels")  # not imported here: an interrupted import may hold its lock
    if kernels is not None:
        kernels.remove_private_dirs()  # the kernels' temporary IPython folder, which they may have written into


def _on_sigint(signum, frame) -> None:
    """First Ctrl-C: KeyboardInterrupt (clean-up runs), and a watchdog ends the process after
    GRACE_SECONDS whatever clean-up is stuck on (an import lock, a kernel that does not answer).
    A second Ctrl-C ends it at once. Either way no kernel started by this process is left."""
    if _interrupted.is_set():
        _kill_children()
        os.write(2, (INTERRUPTED + "\n").encode())
        os._exit(130)
    _interrupted.set()

    def watchdog() -> None:
        time.sleep(GRACE_SECONDS)
        _kill_children()
        os.write(2, (INTERRUPTED + "\n").encode())
        os._exit(130)

    threading.Thread(target=watchdog, name="interrupt-watchdog", daemon=True).start()
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """The command line. As the command itself (argv None), the process ends as soon as the command is done:
    every file is written and closed by then, so the interpreter's teardown of a run's modules and heap
    (0.3–0.4 s after `yqeval run`, docs/benchmarks.md) is skipped; standard output is flushed first."""
    rc = _dispatch(argv)
    if argv is None and not any(t.is_alive() and not t.daemon for t in threading.enumerate()
                                if t is not threading.main_thread()):
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe (`yqeval plan | head`)
                pass
        os._exit(rc)
    return rc


def _dispatch(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    previous = os.environ.get("YQEVAL_REFERENCE")
    if args.reference:  # every step (and the notebooks' kernels) reads the plan through reference_dir
        os.environ["YQEVAL_REFERENCE"] = str(Path(args.reference).resolve())
    handler = None
    if threading.current_thread() is threading.main_thread():
        handler = signal.signal(signal.SIGINT, _on_sigint)
    from helpers.run import Busy

    try:
        return args.func(args)
    except KeyboardInterrupt:
        _kill_children()
        print(INTERRUPTED, file=sys.stderr)
        if argv is None:  # the command itself (not a caller in Python): end now, before the interpreter's
            sys.stdout.flush()  # shutdown prints what the interrupted event loops leave behind
            sys.stderr.flush()
            os._exit(130)
        return 130
    except reference.ReferenceDataError as exc:
        print(f"参考数据错误：{exc}", file=sys.stderr)
        return 2
    except Busy as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `yqeval plan | head`
        sys.stderr.close()
        return 0
    except OSError as exc:
        print(os_error_line(exc), file=sys.stderr)
        return 2 if exc.errno in _MISSING else 1
    except ValueError as exc:
        if type(exc) is not ValueError:
            raise
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    finally:
        if handler is not None:
            signal.signal(signal.SIGINT, handler)
        if previous is None:
            os.environ.pop("YQEVAL_REFERENCE", None)
        else:
            os.environ["YQEVAL_REFERENCE"] = previous


if __name__ == "__main__":
    sys.exit(main())
