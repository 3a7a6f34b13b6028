"""The typed seams between features: what one feature gives the others (reports above all), registered in one
place — `Services.feeds` (`Feeds`), one attribute per providing feature, `None` while it is absent.

Each feature fills its attribute at registration with an object of the class below (the provider subclasses
it); a reader asks `services.feeds.<feature>` and treats `None` as "no data yet". The table of who provides
and who reads is in docs/architecture.md ("Typed feeds").

The weekly summary and the digest gather once per (community, moment) through a `Gathering` (the community,
the moment, its active members read once), one call per feature, a fixed number of statements whatever the
history (`bot.usecases.reports_data.snapshot`; `tests/test_figures_agree.py` counts them). The base classes
give every gathering method a default built on the plain per-community methods, so a stand-in (tests) only
implements those; the real providers override them with batched reads.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

from domain.groups import GroupWeek
from domain.reports.figures import HoursFigure
from storage.activity import ActivityPart
from storage.models import Community, Member

if TYPE_CHECKING:
    from domain.rhythm.calendar import SchoolCalendar
    from storage.surveys import Survey


@dataclass(frozen=True, slots=True)
class Gathering:
    """What every feature needs and the summary reads once: the community, the moment, its active members."""
    community: Community
    now: datetime
    members: list[Member]


# -- the rows the report seams carry ---------------------------------------------------------------------
class MeetingRow(TypedDict):
    """A meeting starting in the window asked for (`RhythmFeed.meetings_between`)."""
    start_ts: int
    end_ts: int
    held: bool  # took place (scheduled and ended)
    attended: int  # present marks
    members: int  # whom it was for: the active members, or its working group's
    status: str  # scheduled / cancelled / skipped
    title: str


class CycleStatus(TypedDict):
    """The running cycle as of a moment (`CycleFeed.status`)."""
    cycle_id: int
    topic: str
    target: str | None
    stage: str  # a `domain.cycle.core.Stage` value
    stage_status: str
    opened_ts: int | None
    closes_ts: int | None
    cycle_opened_ts: int | None
    answered: int
    members: int
    stalled: bool
    quiet_days: int
    rtl_open: int
    rtl_overdue: int
    rtl_due_soon: int
    good_practices: int


class CycleSummary(TypedDict, total=False):
    """A completed cycle's kept summary (`CycleFeed.summaries`; `cycle_core.summary_data` writes it) with its
    observations counted in. Answers per stage are `participation` (stage -> [answered, members])."""
    cycle_id: int
    topic: str
    completed: bool
    met: bool | None
    target_met: bool | None
    results_recorded: bool
    observations: int
    good_practices: int
    participation: dict[str, list[int]]
    started_at: int
    ended_at: int


class SurveyHeadline(TypedDict, total=False):
    """A closed survey's published headline (`SurveysFeed.latest`): published figures only."""
    id: int
    title: str
    closed_at: int
    respondents: int  # the published respondents
    n: int  # those the agreement, mean and index are computed on
    mean: float | None
    agree_share: float | None
    index: float | None
    hidden: int  # respondents left out (roles under the anonymity floor)
    focus_roles: NotRequired[dict[str, Any]]


class PulsePoint(TypedDict):
    """One week of the weekly pulse (`SurveysFeed.pulse_trend`)."""
    week_start: str
    n: int
    mean: float | None
    agree_share: float | None
    index: float | None
    hidden: int
    items: dict[str, float | None]


Activity = dict[int, dict[str, int]]  # user id -> counts by kind (weights in domain/reports/recognition.py)
Sheets = dict[str, list[list[Any]]]  # sheet key -> rows of `/report` (see docs/architecture.md)


@dataclass(frozen=True, slots=True)
class CycleGathered:
    status: CycleStatus | None  # as of now
    rates: list[float | None]  # the answer rate as of each of the past moments asked for
    summaries: list[CycleSummary]  # cycles ended in the window asked for


@dataclass(frozen=True, slots=True)
class SurveysGathered:
    latest: list[SurveyHeadline]  # each survey closed in the window, its published headline
    pulse: list[PulsePoint]  # one point per week
    closed: dict[int, Survey] = field(default_factory=dict)  # id -> each survey of `latest` (read with it)


@dataclass(frozen=True, slots=True)
class ProgrammeGathered:
    indicators: dict[str, float | None]  # the progress map's `programme_activities` and `agreement_accepted`
    own: dict[str, str]  # the community's own placement by focus, the term of `Gathering.now`
    before: dict[str, str]  # ... and the last earlier term it placed itself


@dataclass(frozen=True, slots=True)
class GroupRef:
    """A working group (`/kelompok`): what other features aim at it."""
    id: int
    name: str
    members: list[int] = field(default_factory=list)  # active members' user ids (filled where asked for)


@dataclass(frozen=True, slots=True)
class CycleObservation:
    """A lesson observation (`/amati`) set up during a cycle, for the cycle's view."""
    id: int
    model: str
    class_label: str


# -- what each feature gives ---------------------------------------------------------------------------
class RhythmFeed:
    """Weekly rhythm (meetings, attendance, learning hours, off-days): `bot/handlers/rhythm.py`."""

    async def meeting_weekdays(self, community_id: int) -> tuple[int, ...]:
        return ()

    async def meetings_between(self, community_id: int, start_ts: int, end_ts: int) -> list[MeetingRow]:
        raise NotImplementedError

    async def meeting_windows(self, community_id: int, start_ts: int, end_ts: int) -> list[tuple[int, int]]:
        """(start, end) of the meetings that take place, starting in [start_ts, end_ts)."""
        return [(m["start_ts"], m["end_ts"]) for m in await self.meetings_between(community_id, start_ts, end_ts)
                if m["status"] == "scheduled"]

    async def school_calendar(self, community: Community) -> SchoolCalendar | None:
        return None

    async def hours_summary(self, community_id: int, now: datetime) -> HoursFigure | None:
        return None

    async def activity(self, community_id: int, start_ts: int, end_ts: int) -> Activity:
        return {}

    async def report_rows(self, community_id: int, start_ts: int, end_ts: int) -> Sheets:
        return {}

    # the summary's gathering (defaults: the plain methods above, once per call / moment)
    async def meetings(self, g: Gathering, start_ts: int, end_ts: int) -> list[MeetingRow]:
        return await self.meetings_between(g.community.id, start_ts, end_ts)

    async def hours(self, g: Gathering, moments: list[datetime]) -> list[HoursFigure | None]:
        """The hours figure as of each moment (oldest first; the last is `now`: `/jam`'s figure)."""
        return [await self.hours_summary(g.community.id, m) for m in moments]

    def activity_parts(self, g: Gathering, start_ts: int, end_ts: int) -> list[ActivityPart] | None:
        """The thanks line's statements (run with the other features' as one); None: ask `activity`."""
        return None


class CycleFeed:
    """Inquiry cycle (stages, answers, RTL, good practices): `bot/handlers/cycle.py`."""

    async def status(self, community_id: int, now: datetime) -> CycleStatus | None:
        return None

    async def summaries(self, community_id: int, start_ts: int, end_ts: int) -> list[CycleSummary]:
        return []

    async def activity(self, community_id: int, start_ts: int, end_ts: int) -> Activity:
        return {}

    async def report_rows(self, community_id: int, start_ts: int, end_ts: int) -> Sheets:
        return {}

    async def gather(self, g: Gathering, moments: list[datetime], since_ts: int) -> CycleGathered:
        """The cycle now (the last of `moments`), its answer rate at the others, cycles ended since `since_ts`."""
        cid = g.community.id
        rates: list[float | None] = []
        for m in moments[:-1]:
            s = await self.status(cid, m)
            rates.append(s["answered"] / s["members"] if s and s.get("members") else None)
        return CycleGathered(await self.status(cid, moments[-1]), rates,
                             await self.summaries(cid, since_ts, int(moments[-1].timestamp()) + 1))

    def activity_parts(self, g: Gathering, start_ts: int, end_ts: int) -> list[ActivityPart] | None:
        return None


class SurveysFeed:
    """Surveys and the weekly pulse: `bot/handlers/surveys_post.py`."""

    async def latest(self, community_id: int, start_ts: int, end_ts: int) -> list[SurveyHeadline]:
        return []

    async def pulse_trend(self, community_id: int, weeks: int) -> list[PulsePoint]:
        return []

    async def activity(self, community_id: int, start_ts: int, end_ts: int) -> Activity:
        return {}

    async def gather(self, g: Gathering, since_ts: int, weeks: int) -> SurveysGathered:
        """Surveys closed since `since_ts`, the pulse of the last `weeks` weeks."""
        cid = g.community.id
        return SurveysGathered(await self.latest(cid, since_ts, int(g.now.timestamp()) + 1),
                               await self.pulse_trend(cid, weeks))

    def activity_parts(self, g: Gathering, start_ts: int, end_ts: int) -> list[ActivityPart] | None:
        return None


class GroupsFeed:
    """Working groups (`/kelompok`): aiming a survey, cycle or meeting series at one group; the summary's line
    per group. `bot/handlers/groups.py`."""

    async def by_name(self, community_id: int, name: str) -> GroupRef | None:
        return None

    async def names(self, community_id: int) -> list[str]:
        return []

    async def target_survey(self, survey_id: int, group_id: int) -> None:
        return None

    async def survey_may_answer(self, survey_id: int, user_id: int) -> bool:
        return True

    async def stage_may_answer(self, stage_id: int, user_id: int) -> bool:
        return True

    async def cycle_members(self, cycle_id: int) -> list[int] | None:
        """The members of the group a cycle is aimed at; None: the whole community."""
        return None

    async def meeting_group(self, meeting_id: int) -> GroupRef | None:
        return None

    async def week(self, g: Gathering, start_ts: int, survey: Survey | None) -> list[GroupWeek]:
        """Each group's week since `start_ts` (`domain.groups.group_week`) and the agreement within it of
        `survey` (the latest closed this week, from `SurveysGathered.closed`)."""
        return []


class ObserveFeed:
    """Lesson observations (`/amati`): `bot/handlers/observe.py`."""

    async def in_cycle(self, cycle_id: int) -> int:
        """Observations of the cycle with an observer's rating or evidence (the cycle summary's count)."""
        return 0

    async def of_cycle(self, cycle_id: int) -> list[CycleObservation]:
        return []

    async def report_rows(self, community_id: int, start_ts: int, end_ts: int) -> Sheets:
        return {}


class JournalFeed:
    """The journal loop (problems, trials): `bot/handlers/journal_loop.py`."""

    async def cycle_trials(self, cycle_id: int) -> list[dict[str, Any]]:
        """[{problem, solution, effect}] of the cycle (kept in its JSON summary, so plain dicts)."""
        return []

    async def report_rows(self, community_id: int, start_ts: int, end_ts: int) -> Sheets:
        return {}


class ProgrammeFeed:
    """The programme's activities of issue 15 (`bot/handlers/programme_activities.py`): the report's sheets."""

    async def report_rows(self, community_id: int, start_ts: int, end_ts: int) -> Sheets:
        return {}


class MapFeed:
    """The progress map's indicators of issue 15 and the community's own placement (`bot/handlers/programme_map.py`)."""

    async def gather(self, g: Gathering, start_ts: int, end_ts: int) -> ProgrammeGathered:
        """Activities in [start_ts, end_ts), the agreement, the own placement as of `g.now`: one statement."""
        raise NotImplementedError


WelcomeExtra = Callable[[Community], Awaitable[tuple[str, Any]]]


@dataclass
class Feeds:
    """Every typed seam, in one place (held by `Services.feeds`)."""
    rhythm: RhythmFeed | None = None
    cycle: CycleFeed | None = None
    surveys: SurveysFeed | None = None
    groups: GroupsFeed | None = None
    observe: ObserveFeed | None = None
    journal: JournalFeed | None = None
    programme: ProgrammeFeed | None = None
    map: MapFeed | None = None
    # the agreement's line and accept button for the day's welcome of new members (`bot/handlers/programme_agreement.py`)
    welcome_extra: WelcomeExtra | None = None

    def sheet_sources(self) -> list[tuple[str, Callable[[int, int, int], Awaitable[Sheets]]]]:
        """The features that add sheets to `/report`, in the report's order."""
        return [(name, f.report_rows) for name, f in (("rhythm", self.rhythm), ("cycle", self.cycle),
                                                      ("programme", self.programme), ("journal", self.journal),
                                                      ("observe", self.observe)) if f is not None]

    def activity_sources(self) -> list[RhythmFeed | CycleFeed | SurveysFeed]:
        """The features whose activity the weekly thanks line counts."""
        return [f for f in (self.rhythm, self.cycle, self.surveys) if f is not None]
