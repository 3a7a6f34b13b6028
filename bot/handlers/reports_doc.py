"""The content of `/report`: figures of a period from the features' hooks, laid out as localized tables
for the XLSX and the PDF (`domain/exports.py`). Headers and labels come from `ui_reports.toml`."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from domain.exports import ReportDoc, Table
from domain.progress_map import FocusLevel, indicators_from, progress_map
from domain.report_period import ReportPeriod
from storage.models import Community

from ..render import Renderer, fmt_date, fmt_time, tz_label
from .reports_data import agreement, hook, rate, report_rows, stage_title

if TYPE_CHECKING:
    from ..services import Services

KNOWN_SHEETS = ("attendance_list", "hours", "answers", "rtl", "good_practices", "observations", "work_groups")


@dataclass
class ReportData:
    meetings: list[dict[str, Any]] | None
    hours: dict[str, Any] | None
    cycle: dict[str, Any] | None
    cycles: list[dict[str, Any]] | None
    surveys: list[dict[str, Any]] | None
    rows: dict[str, list[list]] = field(default_factory=dict)
    levels: list[FocusLevel] = field(default_factory=list)

    @property
    def held(self) -> int:
        return sum(1 for m in self.meetings or [] if m.get("held"))

    @property
    def attended(self) -> int:
        return sum(int(m.get("attended") or 0) for m in self.meetings or [] if m.get("held"))

    @property
    def seats(self) -> int:
        return sum(int(m.get("members") or 0) for m in self.meetings or [] if m.get("held"))

    @property
    def attendance(self) -> float | None:
        return self.attended / self.seats if self.seats else None

    @property
    def has_data(self) -> bool:
        return bool(self.meetings or self.hours or self.cycle or self.cycles or self.surveys or self.rows)


async def report_data(services: Services, community: Community, period: ReportPeriod) -> ReportData:
    cid, s, e = community.id, period.start_ts, period.end_ts
    as_of = datetime.fromtimestamp(min(e, services.now_ts() + 1) - 1, UTC)
    data = ReportData(
        meetings=await hook(services, "meetings_between", cid, s, e),
        hours=await hook(services, "hours_summary", cid, as_of),
        cycle=await hook(services, "cycle_status", cid, as_of),
        cycles=await hook(services, "cycle_summaries", cid, s, e),
        surveys=await hook(services, "survey_latest", cid, s, e),
        rows=await report_rows(services, community, s, e),
    )
    if data.meetings is not None:
        data.meetings = sorted(data.meetings, key=lambda m: int(m.get("start_ts") or 0))
    inds = indicators_from(data.meetings, data.cycles, data.cycle,
                           [{"agreement": agreement(x)} for x in data.surveys or []], int(as_of.timestamp()) + 1)
    data.levels = progress_map(inds)
    return data


def build_doc(r: Renderer, loc: str, community: Community, period: ReportPeriod, data: ReportData,
              now: datetime) -> ReportDoc:
    tz = ZoneInfo(community.tz)
    label = tz_label(community.tz)

    def t(key: str, **kw: Any) -> str:
        return r.t(loc, f"reports.{key}", **kw)

    def when(ts: Any) -> str:
        if not ts:
            return ""
        d = datetime.fromtimestamp(int(ts), UTC).astimezone(tz)
        return f"{fmt_date(d, loc, 'd MMM y')} {fmt_time(d, loc)} {label}"

    def pct(x: float | None) -> float | None:
        return None if x is None else round(x * 100, 1)

    yes, no = t("yes"), t("no")
    tables = [Table("attendance", t("sheet.attendance"),
                    [t("col.date"), t("col.activity"), t("col.held"), t("col.attended"), t("col.members"),
                     t("col.rate")],
                    [[when(m.get("start_ts")), m.get("title") or "", yes if m.get("held") else no,
                      int(m.get("attended") or 0), int(m.get("members") or 0),
                      pct(rate(m.get("attended"), m.get("members"))) if m.get("held") else None]
                     for m in data.meetings or []])]
    rows = data.rows
    tables.append(Table("attendance_list", t("sheet.attendance_list"),
                        [t("col.date"), t("col.name"), t("col.status")],
                        [[when(x[0]), *x[1:3]] for x in rows.get("attendance_list", [])]))
    tables.append(Table("hours", t("sheet.hours"), [t("col.name"), t("col.minutes"), t("col.target")],
                        [list(x[:3]) for x in rows.get("hours", [])]))
    answers = [list(x[:4]) for x in rows.get("answers", [])] or [
        [c.get("topic") or "", stage, *_pair(v)]
        for c in data.cycles or [] for stage, v in (c.get("answers_by_stage") or c.get("participation") or {}).items()]
    tables.append(Table("answers", t("sheet.answers"),
                        [t("col.topic"), t("col.stage"), t("col.answered"), t("col.members")],
                        [[a[0], stage_title(a[1], loc), a[2], a[3]] for a in answers]))
    tables.append(Table("surveys", t("sheet.surveys"),
                        [t("col.survey"), t("col.closed"), t("col.respondents"), t("col.mean"), t("col.agree"),
                         t("col.index")],
                        [[x.get("title") or "", when(x.get("closed_at")), int(x.get("respondents") or 0),
                          x.get("mean"), pct(agreement(x)), x.get("index")] for x in data.surveys or []]))
    tables.append(Table("rtl", t("sheet.rtl"), [t("col.what"), t("col.owner"), t("col.due"), t("col.status")],
                        [[x[0], x[1], when(x[2]), x[3]] for x in rows.get("rtl", [])]))
    tables.append(Table("good_practices", t("sheet.good_practices"), [t("col.date"), t("col.title"), t("col.author")],
                        [[when(x[0]), *x[1:3]] for x in rows.get("good_practices", [])]))
    tables.extend(observation_tables(r, loc, rows, when))
    for key, extra in rows.items():  # sheets a feature added that we do not know: header = first row
        if key not in KNOWN_SHEETS and extra:
            tables.append(Table(key, key, [str(h) for h in extra[0]], extra[1:]))

    summary = [r.render(loc, "reports/report_lines", community=community, data=data, period=period,
                        stage=stage_title((data.cycle or {}).get("stage"), loc))]
    levels = [f"{t('focus.' + lv.focus)}: {t('level.' + lv.level)}" for lv in data.levels]
    meta = [(t("meta.community"), community.display_name), (t("meta.school"), community.schools or "–"),
            (t("meta.period"), f"{fmt_date(period.start, loc, 'd MMMM y')} – {fmt_date(period.end, loc, 'd MMMM y')}"),
            (t("meta.generated"), when(int(now.timestamp())))]
    lines = [html.unescape(ln) for ln in summary[0].splitlines() if ln.strip()]
    return ReportDoc(t("doc_title"), meta, tables, t("empty"),
                     paragraphs=[(t("heading.summary"), lines), (t("heading.map"), levels)],
                     footer=t("footer"))


def _pair(v: Any) -> list[int]:
    """(answered, members) from `{"answered": a, "members": m}` or `[a, m]`."""
    if isinstance(v, dict):
        return [int(v.get("answered") or 0), int(v.get("members") or 0)]
    return [int(v[0] or 0), int(v[1] or 0)]


def observation_tables(r: Renderer, loc: str, rows: dict[str, list[list]], when: Any) -> list[Table]:
    """Lesson observations (/amati) and working groups (/kelompok), from `report_rows_observe`."""
    def t(key: str) -> str:
        return r.t(loc, f"reports.{key}")

    return [
        Table("observations", t("sheet.observations"),
              [t("col.date"), t("col.model_teacher"), t("col.class_label"), t("col.focus"), t("col.work_group"),
               t("col.observers"), t("col.evidence"), t("col.ratings"), t("col.debrief")],
              [[when(x[0]), *x[1:8], r.t(loc, f"observe.step.{x[8]}") if x[8] else ""]
               for x in rows.get("observations", [])]),
        Table("work_groups", t("sheet.work_groups"),
              [t("col.work_group"), t("col.members"), t("col.observations"), t("col.ratings"), t("col.rate")],
              [list(x[:5]) for x in rows.get("work_groups", [])]),
    ]
