"""`yqeval`: the command line of the evaluation workbook."""

from __future__ import annotations

import argparse
import csv
import sys

from . import reference


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yqeval", description="埇桥区农村电商优化升级工作评估")
    parser.add_argument("--reference", default=None, help="参考数据目录（默认 data/reference）")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("plan", help="打印任务分解表（CSV）").set_defaults(func=cmd_plan)
    sub.add_parser("indicators", help="打印指标目录（CSV）").set_defaults(func=cmd_indicators)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except reference.ReferenceDataError as exc:
        print(f"参考数据错误：{exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `yqeval plan | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
