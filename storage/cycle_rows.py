"""What the inquiry cycle's repository returns: cycles and stages, prompts, answers and evidence,
question changes, the summary's history and kept summaries (`storage/cycle.py`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Cycle:
    id: int
    community_id: int
    topic: str
    target_raw: str
    status: str
    result_before: float | None
    result_after: float | None
    thread_id: int | None
    started_by: int
    started_at: int
    ended_at: int | None


@dataclass(frozen=True)
class StageRow:
    id: int
    cycle_id: int
    community_id: int
    stage: str
    seq: int
    opens_at: int
    closes_at: int
    status: str
    opened_at: int | None
    closed_at: int | None
    questions_json: str
    header_chat_id: int | None
    header_message_id: int | None
    posted: int
    synth_posted: int
    reminder_at: int
    reminded: int
    answered_at_close: int | None
    members_at_close: int | None

    @property
    def questions(self) -> list[dict[str, str]]:
        return json.loads(self.questions_json)


@dataclass(frozen=True)
class Prompt:
    chat_id: int
    message_id: int
    stage_id: int
    question_key: str


@dataclass(frozen=True)
class Answer:
    stage_id: int
    user_id: int
    question_key: str
    text: str
    source: str
    chat_id: int
    message_id: int
    updated_at: int


@dataclass(frozen=True)
class Evidence:
    id: int
    stage_id: int
    user_id: int
    question_key: str
    kind: str
    file_id: str
    caption: str | None


@dataclass(frozen=True)
class Override:
    action: str
    stage: str
    key: str
    text: str | None


@dataclass(frozen=True, slots=True)
class History:
    """`CycleRepo.history`: what the summary reads of the cycles of a window."""
    cycles: list[Cycle]
    stages: list[StageRow]
    firsts: dict[int, list[int]]  # stage id -> each member's first answer time, sorted
    lasts: dict[int, int]  # stage id -> the last answer's time (updated_at)
    good_practices: dict[int, int]  # cycle id -> good practices written for it
    rtl_open_dues: list[str] = field(default_factory=list)  # due dates of the community's open RTL items


@dataclass(frozen=True)
class Summary:
    cycle_id: int
    community_id: int
    ended_at: int
    data: dict[str, Any]
