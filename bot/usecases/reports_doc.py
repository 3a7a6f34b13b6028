"""The content of `/report`: figures of a period from the features' feeds (`bot.feeds`), laid out as localized tables
for the XLSX and the PDF (`domain/reports/exports.py`). Headers and labels come from `ui_reports.toml`."""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from domain.programme.progress_map import FocusLevel, indicators_from
from domain.reports.exports import ReportDoc, Table
from domain.reports.figures import (
    HoursFigure,
    PrePost,
    hours_figure,
    hours_status,
    prepost_of,
    survey_respondents,
)
from domain.reports.period import ReportPeriod
from storage.models import Community

from ..feeds import CycleStatus, CycleSummary, Gathering, MeetingRow, SurveyHeadline
from ..render import Renderer, fmt_date, fmt_time, tz_label
from .reports_data import (
    agreement,
    cycle_status,
    cycle_summaries,
    guarded,
    placed_map,
    rate,
    report_rows,
    stage_title,
)

if TYPE_CHECKING:
    from ..services import Services

KNOWN_SHEETS = ("attendance_list", "hours", "answers", "rtl", "good_practices", "trials", "observations",
                "work_groups")


@dataclass
class ReportData:
    meetings: list[MeetingRow] | None
    hours: HoursFigure | None
    cycle: CycleStatus | None
    cycles: list[CycleSummary] | None
    surveys: list[SurveyHeadline] | None
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
    f = services.feeds
    data = ReportData(
        meetings=None if f.rhythm is None else await guarded("rhythm.meetings", f.rhythm.meetings_between(cid, s, e)),
        hours=None,
        cycle=await cycle_status(services, cid, as_of),
        cycles=await cycle_summaries(services, cid, s, e),
        surveys=None if f.surveys is None else await guarded("surveys.latest", f.surveys.latest(cid, s, e)),
        rows=await report_rows(services, community, s, e),
    )
    data.hours = window_hours(data.rows.get("hours"), s, e, int(as_of.timestamp()) + 1)
    if data.meetings is not None:
        data.meetings = sorted(data.meetings, key=lambda m: int(m.get("start_ts") or 0))
    inds = indicators_from(data.meetings, data.cycles, data.cycle,
                           [{"agreement": agreement(x)} for x in data.surveys or []], int(as_of.timestamp()) + 1)
    g = Gathering(community, as_of, await services.repos.members.list(cid))
    data.levels = await placed_map(services, g, inds, s, e)
    return data


def window_hours(rows: list[list] | None, start_ts: int, end_ts: int, now_ts: int) -> HoursFigure | None:
    """The hours figure of a report window, from the very rows of its hours sheet ([name, minutes, target])."""
    if rows is None:
        return None
    targets = [int(r[2] or 0) for r in rows if int(r[2] or 0) > 0]
    common = Counter(targets).most_common(1)[0][0] if targets else 0
    elapsed = 1.0 if now_ts >= end_ts else max(0.0, (now_ts - start_ts) / max(1, end_ts - start_ts))
    return hours_figure(((int(r[1] or 0), int(r[2] or 0)) for r in rows), elapsed, target_minutes=common)


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
                     for m in data.meetings or []], formats=[None, None, None, "int", "int", "dec1"])]
    rows = data.rows
    tables.append(attendance_matrix(r, loc, community, rows.get("attendance_list", [])))
    elapsed = data.hours.elapsed if data.hours else 1.0
    tables.append(Table("hours", t("sheet.hours"), [t("col.name"), t("col.minutes"), t("col.target"), t("col.status")],
                        [[*x[:3], t("hours_status." + hours_status(int(x[1] or 0), int(x[2] or 0), elapsed))]
                         for x in rows.get("hours", [])], formats=[None, "int", "int", None]))
    answers = [list(x[:4]) for x in rows.get("answers", [])] or [
        [c.get("topic") or "", stage, *_pair(v)]
        for c in data.cycles or [] for stage, v in (c.get("participation") or {}).items()]
    tables.append(Table("answers", t("sheet.answers"),
                        [t("col.topic"), t("col.stage"), t("col.answered"), t("col.members")],
                        [[a[0], stage_title(a[1], loc), a[2], a[3]] for a in answers], formats=[None, None, "int", "int"]))
    tables.append(Table("surveys", t("sheet.surveys"),
                        [t("col.survey"), t("col.closed"), t("col.respondents"), t("col.mean"), t("col.agree"),
                         t("col.index")],
                        [[x.get("title") or "", when(x.get("closed_at")), survey_respondents(x) or 0,
                          x.get("mean"), pct(agreement(x)), x.get("index")] for x in data.surveys or []],
                        formats=[None, None, "int", "dec2", "dec1", "dec1"]))
    tables.append(Table("rtl", t("sheet.rtl"), [t("col.what"), t("col.owner"), t("col.due"), t("col.status")],
                        [[x[0], x[1], when(x[2]), x[3]] for x in rows.get("rtl", [])]))
    tables.append(Table("good_practices", t("sheet.good_practices"), [t("col.date"), t("col.title"), t("col.author")],
                        [[when(x[0]), *x[1:3]] for x in rows.get("good_practices", [])]))
    tables.append(Table("trials", t("sheet.trials"), [t("col.problem"), t("col.solution"), t("col.start"), t("col.end"),
                                                      t("col.effect"), t("col.effect_note")],
                        [list(x[:6]) for x in rows.get("trials", [])]))
    tables.extend(observation_tables(r, loc, rows, when))
    for key, extra in rows.items():  # sheets a feature added that we do not know: header = first row
        if key not in KNOWN_SHEETS and extra:
            title = t(f"sheet.{key}") if f"reports.sheet.{key}" in r.ui_keys(loc) else key
            tables.append(Table(key, title, [str(h) for h in extra[0]], extra[1:]))

    summary = [r.render(loc, "reports/report_lines", community=community, data=data, period=period,
                        stage=stage_title((data.cycle or {}).get("stage"), loc))]
    evidence = r.render(loc, "reports/evidence", community=community, data=data, cycle=last_cycle(data),
                        prepost=last_prepost(data), pulses=pulse_shares(data),
                        study=(study := labelled(r, loc, last_study(data))),
                        closed=datetime.fromtimestamp(int(study["closed_at"]), UTC).astimezone(tz) if study else None)
    levels = [f"{t('focus.' + lv.focus)}: {t('level.' + lv.level)}" + (
        "" if not lv.own else t("own", own=t("level." + lv.own)) if not lv.own_before else
        t("own_change", own=t("level." + lv.own), before=t("level." + lv.own_before))) for lv in data.levels]
    meta = [(t("meta.community"), community.display_name), (t("meta.school"), community.schools or "–"),
            (t("meta.period"), f"{fmt_date(period.start, loc, 'd MMMM y')} – {fmt_date(period.end, loc, 'd MMMM y')}"),
            (t("meta.generated"), when(int(now.timestamp())))]
    lines = [html.unescape(ln) for ln in (evidence + "\n" + summary[0]).splitlines() if ln.strip()]
    return ReportDoc(t("doc_title"), meta, tables, t("empty"),
                     paragraphs=[(t("heading.summary"), lines), (t("heading.map"), levels)],
                     footer=t("footer"), summary_sheet=t("sheet.summary"), appendix=t("appendix"),
                     decimal="," if loc == "id" else ".", group="." if loc == "id" else ",",
                     lcid="421" if loc == "id" else "409")


def attendance_matrix(r: Renderer, loc: str, community: Community, marks: list[list]) -> Table:
    """The attendance list condensed: one row per member, one column per meeting (H / I / A), and a total."""
    tz = ZoneInfo(community.tz)
    code = {}
    for lang in {loc, community.locale}:
        letters = r.t(lang, "reports.attendance_codes")  # "H = hadir, I = izin, A = tidak hadir"
        keys = [part.split("=")[0].strip() for part in letters.split(",")]
        for key, status in zip(keys, ("present", "excused", "absent"), strict=False):
            code[r.t(lang, f"rhythm.att_status.{status}")] = key
    present = next(iter(r.t(loc, "reports.attendance_codes").split("=")[:1]), "H").strip()
    meetings = sorted({int(x[0]) for x in marks})
    names: dict[str, dict[int, str]] = {}
    for ts_, name, status in (x[:3] for x in marks):
        names.setdefault(str(name), {})[int(ts_)] = code.get(str(status), str(status)[:1])
    head = [r.t(loc, "reports.col.name")] + [
        f"{d.day}/{d.month}" for d in (datetime.fromtimestamp(ts_, UTC).astimezone(tz) for ts_ in meetings)]
    head.append(r.t(loc, "reports.present_total"))
    rows: list[list[Any]] = []
    for name, seen in names.items():
        cells = [seen.get(ts_, "") for ts_ in meetings]
        rows.append([name, *cells, sum(1 for c in cells if c == present)])
    return Table("attendance_list", r.t(loc, "reports.sheet.attendance_list"), head, rows,
                 formats=[None] * (len(meetings) + 1) + ["int"], note=r.t(loc, "reports.attendance_codes"),
                 widths=[4.0] + [1.0] * len(meetings) + [2.0])


def last_cycle(data: ReportData) -> dict[str, Any] | None:
    done = [c for c in data.cycles or [] if c.get("ended_at")]
    return max(done, key=lambda c: int(c["ended_at"])) if done else None


def last_prepost(data: ReportData) -> PrePost | None:
    """The class means of the period's last paired pre/post test (`domain.reports.figures.prepost_of`)."""
    tests = [s for s in data.surveys or [] if prepost_of(s) is not None]
    return prepost_of(max(tests, key=lambda x: int(x.get("closed_at") or 0))) if tests else None


def last_study(data: ReportData) -> dict[str, Any] | None:
    """The period's last survey with a per-focus × per-role table (published roles only), as its headline."""
    found = [s for s in data.surveys or [] if s.get("focus_roles")]
    return max(found, key=lambda x: int(x.get("closed_at") or 0)) if found else None


def labelled(r: Renderer, loc: str, study: dict[str, Any] | None) -> dict[str, Any] | None:
    """The study table with each statement's short focus name where it has one (`sv.focus.<key>`)."""
    if study is None:
        return None
    rows = []
    for row in study["focus_roles"]["rows"]:
        try:
            label = r.t(loc, f"sv.focus.{row['key']}")
        except KeyError:
            label = row["text"]
        rows.append({**row, "label": label})
    return {**study, "focus_roles": {**study["focus_roles"], "rows": rows}}


def pulse_shares(data: ReportData) -> list[float]:
    return [float(a) for a in (agreement(s) for s in data.surveys or [] if s.get("kind") != "test") if a is not None]


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
