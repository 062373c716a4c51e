"""What each figure means: the one place the answer, the spreadsheet and the docs take their wording from.

Two bases are counted:

* **cases** (案件): reports filed in the window, in the scope. Rejected cases (invalid, duplicate, or
  outside this jurisdiction: all refusals go through 驳回) are excluded from every rate.
* **clocks** (处置时钟): each party's own pair of deadlines on a case. Routing starts one (grid member,
  department, or the community's queue), a transfer starts one for the department, a reopen starts a
  fresh one; escalation (督办) and reassignment carry the running clock on and start none. A clock
  belongs to the party it was started for, so a late grid member is never hidden behind the
  department that finished the job, nor the other way round.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

#: a rating from this up counts as satisfied (满意)
SATISFIED_FROM = 4
EXCLUDED = "驳回的案件（无效、重复、不属于本辖区受理范围）不计"
P90_METHOD = ("p90 取最近秩法（nearest rank）：把时长从小到大排列，取第 ⌈0.9×n⌉ 个值，不插值；"
              "SQLite 与 PostgreSQL 用同一条窗口函数查询（ROW_NUMBER / COUNT OVER），结果一致。")

MEDIAN_METHOD = "中位数同取最近秩法：第 ⌈0.5×n⌉ 个值（样本为偶数时取较小的中间值），不插值。"


@dataclass(frozen=True)
class RateDef:
    """One rate: what is counted above and below the line, what is left out, how ranks go."""

    key: str
    name: str
    basis: str
    numerator: str
    denominator: str
    exclusions: str
    unrated: str
    #: ranks go to the highest value unless a lower one is better (reopened share)
    higher_is_better: bool = True

    def as_dict(self, min_sample: int) -> dict:
        """The definition as the answer carries it."""
        return asdict(self) | {"min_sample": min_sample}


RATES: tuple[RateDef, ...] = (
    RateDef("response_rate", "响应率", "clock",
            "在受理时限内受理的处置时钟数（受理前在时限内转办、改由他方处理的，也算按时响应）",
            "已受理或已转出的处置时钟数，加上受理时限已过仍未受理的处置时钟数",
            f"{EXCLUDED}；受理时限未到且尚未受理的时钟暂不计入", "不涉及评价"),
    RateDef("closure_rate", "办结率", "case",
            "当前状态为已办结或已结案的案件数",
            "窗口内受理的有效案件数（全部案件减去驳回案件）",
            EXCLUDED, "不涉及评价"),
    RateDef("on_time_resolution_rate", "按时办结率", "clock",
            "在办结时限内办结的处置时钟数",
            "已办结的处置时钟数，加上办结时限已过仍在办理的处置时钟数",
            f"{EXCLUDED}；未办结即转给他方（转办）的时钟不计（由接手方的时钟计）；办结时限未到的在办时钟暂不计入",
            "不涉及评价"),
    RateDef("satisfaction_rate", "满意率", "case",
            f"评分为 {SATISFIED_FROM} 分及以上（满分 5 分）的评价次数",
            "全部评价次数：每一轮评价都计（重新办理前的评价保留在案件时间线上，照样计入）",
            EXCLUDED,
            "未评价的案件（含逾期未确认、系统自动结案的）既不算满意也不算不满意，不进入分子和分母"),
    RateDef("reopened_share", "重新办理率", "case",
            "被居民要求重新办理过至少一次的案件数",
            "至少办结过一次的有效案件数（当前已办结、已结案，或曾被重新办理）",
            EXCLUDED, "不涉及评价", higher_is_better=False),
    RateDef("transfer_rate", "转办率", "case",
            "转交职能部门办理过至少一次的案件数",
            "窗口内受理的有效案件数（全部案件减去驳回案件）",
            EXCLUDED, "不涉及评价", higher_is_better=False),
    RateDef("first_contact_rate", "首接办结率", "case",
            "当前已办结或已结案、且从未转办、改派或交接过的案件数（由首个承办人一次办结）",
            "当前状态为已办结或已结案的案件数",
            EXCLUDED, "不涉及评价"),
)
RATE_KEYS = tuple(r.key for r in RATES)
BY_KEY = {r.key: r for r in RATES}

HOURS: dict[str, dict[str, str]] = {
    "to_accept": {"name": "受理用时（小时）",
                  "measure": "处置时钟从开始到受理的小时数；只计已受理的时钟（转办而未受理的不计）。"
                             "给出均值、中位数与 p90"},
    "to_resolve": {"name": "办结用时（小时）",
                   "measure": "处置时钟从开始到办结的小时数；只计已办结的时钟。给出均值、中位数与 p90"},
}

NOTES = (
    "统计对象为 from 至 to（含 from，不含 to）期间提交、位于所选范围内的案件；"
    "状态、评价按查询时刻（as_of）计。",
    "处置时钟：派单、转办、重新办理各开始一个新时钟（各有受理、办结时限）；上报督办和改派沿用原时钟。"
    "时钟归属开始时的责任方：网格按网格员的时钟计，部门按部门自己的时钟计。",
    P90_METHOD,
    MEDIAN_METHOD,
    "分类统计不给 p90 与中位数（样本常常过小），总体、网格、部门给出。",
)


def rate(numerator: int, denominator: int) -> float | None:
    """numerator / denominator to four places; None on an empty denominator (no 0/0 = 100%)."""
    return round(numerator / denominator, 4) if denominator else None


def mean(total: float, n: int) -> float | None:
    """Mean hours to two places, None without samples."""
    return round(total / n, 2) if n else None


def p90(values: list[float]) -> float | None:
    """The nearest-rank p90 the SQL computes: the ⌈0.9 n⌉-th smallest value (None when empty)."""
    if not values:
        return None
    return sorted(values)[-(-len(values) * 9 // 10) - 1]


def median(values: list[float]) -> float | None:
    """The nearest-rank median: the ⌈n/2⌉-th smallest value (None when empty)."""
    if not values:
        return None
    return sorted(values)[-(-len(values) // 2) - 1]


def rank(rows: list[dict], min_sample: int) -> None:
    """Give each row's rates a competition rank (1, 2, 2, 4) among rows with enough sample; others None."""
    for definition in RATES:
        key = definition.key
        ranked = [r for r in rows
                  if r["rates"][key]["denominator"] >= min_sample and r["rates"][key]["value"] is not None]
        sign = -1 if definition.higher_is_better else 1
        ranked.sort(key=lambda r, k=key, s=sign: s * r["rates"][k]["value"])
        position, previous = 0, None
        for index, row in enumerate(ranked, start=1):
            value = row["rates"][key]["value"]
            if value != previous:
                position, previous = index, value
            row["rates"][key]["rank"] = position
