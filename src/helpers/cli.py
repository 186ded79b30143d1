"""`yqeval`: the command line of the evaluation workbook."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import sys
from pathlib import Path

from . import quarters, reference


def _print_csv(header: list[str], rows: list[list[str]]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)


def cmd_plan(args: argparse.Namespace) -> int:
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
    from .ingest import ingest_quarter

    result = ingest_quarter(quarters.validate(args.quarter), args.data)
    print(result.summary())
    return 0


def cmd_templates(args: argparse.Namespace) -> int:
    from .templates import write_templates

    paths = write_templates(quarters.validate(args.quarter), args.out)
    print(f"已生成 {len(paths)} 份填报模板：{args.out}")
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from .sample import write_sample

    paths = write_sample(args.data, seed=args.seed, force=args.force)
    print(f"已生成示例数据 {len(paths)} 个文件：{args.data}/raw/")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .completion import evaluate_quarter

    result = evaluate_quarter(quarters.validate(args.quarter), as_of=args.as_of, data_dir=args.data)
    print(result.summary())
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from .pipeline import main_run

    return main_run(quarters.validate(args.quarter), as_of=args.as_of, data_dir=args.data,
                    reports_dir=args.reports)


def cmd_verify(args: argparse.Namespace) -> int:
    from .verify import verify

    return verify(args.manifest)


def cmd_scorecards(args: argparse.Namespace) -> int:
    from .scorecards import run_scorecards

    run_scorecards(quarters.validate(args.quarter), units=args.units, as_of=args.as_of,
                   data_dir=args.data, reports_dir=args.reports)
    return 0


def cmd_commentary(args: argparse.Namespace) -> int:
    from .commentary import write_draft
    from .paths import processed_dir

    quarter = quarters.validate(args.quarter)
    if not (processed_dir(args.data, quarter) / "completion.csv").is_file():
        print(f"错误：还没有 {quarter} 的评估结果，请先运行 yqeval run {quarter}", file=sys.stderr)
        return 2
    path, written = write_draft(args.data, quarter)
    if not written:
        print(f"{path} 已存在，未作改动（草稿从不覆盖办公室已写的意见；如需重新起草，请先移走该文件）")
        return 1
    print(f"已写出评估意见草稿：{path}\n请修改为办公室的意见后运行 yqeval run {quarter}（不需要改动笔记本或代码）")
    return 0


def _date_arg(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期“{text}”应写作 YYYY-MM-DD") from None


_ARGPARSE_WORDS = [("the following arguments are required", "缺少参数"), ("unrecognized arguments", "无法识别的参数"),
                   ("invalid choice", "无效的选择"), ("choose from", "可选"), ("expected one argument", "需要一个值"),
                   ("invalid int value", "不是整数"), ("argument ", "参数 ")]


class Parser(argparse.ArgumentParser):
    """argparse with its usage errors in Chinese."""

    def error(self, message: str):
        for en, zh in _ARGPARSE_WORDS:
            message = message.replace(en, zh)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：参数错误：{message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="yqeval", description="埇桥区农村电商优化升级工作评估")
    parser.add_argument("--reference", default=None, help="参考数据目录（默认 data/reference）")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    sub.add_parser("plan", help="打印任务分解表（CSV）").set_defaults(func=cmd_plan)
    sub.add_parser("indicators", help="打印指标目录（CSV）").set_defaults(func=cmd_indicators)

    p = sub.add_parser("ingest", help="读取 data/raw/QUARTER/ 的报送文件，写出 data/processed/QUARTER/")
    p.add_argument("quarter")
    p.add_argument("--data", default="data", help="数据目录（默认 data）")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("templates", help="为每个填报单位生成本季度的 Excel 填报模板")
    p.add_argument("quarter")
    p.add_argument("--out", required=True, help="输出目录")
    p.set_defaults(func=cmd_templates)

    p = sub.add_parser("sample", help="生成两个季度的示例数据（合成数据，非真实统计）")
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
        if name == "scorecards":
            p.add_argument("--units", nargs="*", default=None, help="只生成这些单位")
        p.set_defaults(func=func)

    p = sub.add_parser("commentary", help="按评估结果起草本季度的评估意见 data/commentary/QUARTER.md（不覆盖已有文件）")
    p.add_argument("quarter")
    p.add_argument("--data", default="data")
    p.set_defaults(func=cmd_commentary)

    p = sub.add_parser("verify", help="按 manifest.json 重新运行并逐个文件比对")
    p.add_argument("manifest")
    p.set_defaults(func=cmd_verify)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    previous = os.environ.get("YQEVAL_REFERENCE")
    if args.reference:  # every step (and the notebooks' kernels) reads the plan through reference_dir
        os.environ["YQEVAL_REFERENCE"] = str(Path(args.reference).resolve())
    try:
        return args.func(args)
    except reference.ReferenceDataError as exc:
        print(f"参考数据错误：{exc}", file=sys.stderr)
        return 2
    except (ValueError, FileNotFoundError) as exc:
        if type(exc) not in (ValueError, FileNotFoundError):
            raise
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `yqeval plan | head`
        sys.stderr.close()
        return 0
    finally:
        if previous is None:
            os.environ.pop("YQEVAL_REFERENCE", None)
        else:
            os.environ["YQEVAL_REFERENCE"] = previous


if __name__ == "__main__":
    sys.exit(main())
