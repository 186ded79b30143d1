"""The plan's reward rules as data (data/reference/incentives.csv, docs/incentives.md), checked on load.

Each rule names its basis (an indicator code, or a difference of codes such as "A-B"), an amount per
item or a rate, and whether that amount is fixed or a ceiling. What the rules would cost is estimated
by helpers.evaluate.incentives; this module only reads and checks them against the plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from helpers.plan.reference import Problems, _expand, _read_csv, nfkc, nonnegative_number

if TYPE_CHECKING:
    from helpers.plan.reference import Plan

RULES_FILE = "incentives.csv"
RULE_COLUMNS = ["rule", "name", "words", "basis", "amount", "rate", "limit", "currency", "responsible", "funds"]
FIXED = "定额"
LIMITS = (FIXED, "以内", "不超过", "分档")  # every word but 定额 makes the amount a ceiling
CURRENCIES = {"元": 1 / 10000, "万元": 1.0}  # → 万元
_TERM = re.compile(r"([+\-−－]?)\s*([A-Za-z0-9]+)")


@dataclass(frozen=True)
class Rule:
    rule: str
    name: str
    words: str  # the plan's words, quoted
    basis: str  # as written: "T09B", "T03A-J02"
    terms: tuple[tuple[int, str], ...]  # (+1 / -1, indicator code)
    amount: float | None  # per item, in `currency`
    rate: float | None  # a fraction of the basis amount (which is in `currency`)
    limit: str
    currency: str
    responsible: str
    responsible_units: tuple[str, ...]
    funds: str  # the indicator whose reported value is the money used, or ""

    @property
    def ceiling(self) -> bool:
        return self.limit != FIXED

    def estimate(self, basis_value: float) -> float:
        """万元 for a basis value: items × amount, or amount × rate."""
        factor = self.amount if self.rate is None else self.rate
        return basis_value * factor * CURRENCIES[self.currency]

    def standard(self, per: str = "项") -> str:
        """The amount as the report reads it: 1万元/个（定额）, ≤30万元/个, 1200元/人（定额）, ≤5%."""
        if self.rate is not None:
            return f"{'≤' if self.ceiling else ''}{self.rate:.0%}"
        amount = f"{self.amount:g}"
        return f"{'≤' if self.ceiling else ''}{amount}{self.currency}/{per or '项'}" + ("（定额）" if not self.ceiling else "")


def _number(text: str, where: str, what: str) -> float | None:
    text = nfkc(text)
    if not text:
        return None
    return nonnegative_number(text, where, what)


def load_rules(ref: Path, plan: Plan, problems: list[str] | None = None, catalogue_unread: bool = False) -> list[Rule]:
    """The rules of incentives.csv checked against the plan; [] when the plan has no such file.

    Every row and field is checked; what is wrong is added to PROBLEMS (reference.Problems), or, without
    it, raised all at once. catalogue_unread: indicators.csv could not be read, so codes are not looked up."""
    found = Problems() if problems is None else problems
    path = Path(ref) / RULES_FILE
    if not path.exists():
        return []
    rules: list[Rule] = []
    seen: set[str] = set()
    for line, row in found.attempt(_read_csv, path, RULE_COLUMNS) or []:
        where = f"{RULES_FILE} 第{line}行"
        before = len(found)
        rule = nfkc(row["rule"])
        if not rule or rule in seen:
            found.append(f"{where}：rule 列的条款编号“{row['rule']}”为空或重复")
        seen.add(rule)
        basis = nfkc(row["basis"]).upper()
        terms = tuple((-1 if sign in "-−－" and sign else 1, code) for sign, code in _TERM.findall(basis))
        if not terms or "".join(f"{'-' if s < 0 else '+'}{c}" for s, c in terms).lstrip("+") != basis.lstrip("+"):
            found.append(f"{where}：basis 列的测算依据“{row['basis']}”应为指标代码，或如 A-B 的指标代码之差")
            terms = ()
        elif terms[0][0] < 0:
            found.append(f"{where}：basis 列的测算依据“{row['basis']}”应以被减的指标开头")
        for _, code in terms:
            ind = plan.catalogue.get(code)
            if ind is None:
                if not catalogue_unread:
                    found.append(f"{where}：basis 列：测算依据中的指标“{code}”不在指标目录中（indicators.csv 的 code）")
            elif ind.kind not in ("count", "amount", "info"):
                found.append(f"{where}：basis 列：测算依据 {code} 是{ind.kind}指标，应为数量或金额")
        numbers = len(found)
        amount = found.attempt(_number, row["amount"], where, "amount 列的每项金额")
        rate = found.attempt(_number, row["rate"], where, "rate 列的比例")
        if (amount is None) == (rate is None) and len(found) == numbers:
            found.append(f"{where}：每项金额（amount）和比例（rate）须填写且只填写一个")
        if row["limit"] not in LIMITS:
            found.append(f"{where}：limit 列的标准性质“{row['limit']}”应为 {'/'.join(LIMITS)}")
        if row["currency"] not in CURRENCIES:
            found.append(f"{where}：currency 列的货币单位“{row['currency']}”应为 {'/'.join(CURRENCIES)}")
        elif rate is not None:
            for _, code in terms:
                ind = plan.catalogue.get(code)
                if ind is not None and ind.unit != row["currency"]:
                    found.append(f"{where}：按比例测算的依据 {code} 的计量单位“{ind.unit}”应为货币单位"
                                 f"“{row['currency']}”（currency 列）")
        funds = nfkc(row["funds"]).upper()
        if funds and funds not in plan.catalogue and not catalogue_unread:
            found.append(f"{where}：funds 列的资金使用指标“{row['funds']}”不在指标目录中")
        responsible = _expand(plan.registry, row["responsible"], where, "responsible", found)
        if len(found) > before:
            continue
        rules.append(Rule(rule, row["name"], row["words"], basis, terms, amount, rate, row["limit"],
                          row["currency"], row["responsible"], responsible, funds))
    if problems is None:
        found.raise_all()
    return rules
