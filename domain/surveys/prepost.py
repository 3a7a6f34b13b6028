"""Pre/post tests: scores, the normalised gain, and the comparison that may be published.

Pure code: no Telegram, no database. Conventions: see :mod:`domain.surveys.core`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction

from domain.surveys.defs import DEFAULT_FLOOR, SurveyItem
from domain.surveys.disclosure import SurveySummary
from domain.surveys.stats import _f

# --------------------------------------------------------------------------------------------------
# Pre/post tests
# --------------------------------------------------------------------------------------------------


def score(answers: Mapping[str, int | str], items: Iterable[SurveyItem]) -> int:
    """Number of MCQ items answered correctly. An answer is an option index or the option's text."""
    correct = 0
    for it in items:
        if it.kind != "mcq" or it.key not in answers:
            continue
        a = answers[it.key]
        if isinstance(a, bool):
            continue
        if isinstance(a, int):
            correct += a == it.correct
        elif isinstance(a, str) and it.correct is not None:
            correct += a.strip() == it.options[it.correct]
    return correct


@dataclass(frozen=True, slots=True)
class PrePost:
    n_pre: int
    n_post: int
    n_paired: int
    mean_pre: float | None  # over paired members
    mean_post: float | None  # over paired members
    gain: float | None  # normalised gain of the class means; None = n/a
    individual: dict[str, float | None] = field(default_factory=dict)  # member → g (None = n/a)
    max_score: int = 0
    paired: bool = True  # False: the class means of everyone who took each test (see prepost_published)
    withheld: bool = False  # True: the figures would expose fewer people than the floor; only counts are given


def _gain(pre: Fraction, post: Fraction, max_score: int) -> Fraction | None:
    return None if pre >= max_score else (post - pre) / (max_score - pre)


def prepost(pre: Mapping[str, int | float], post: Mapping[str, int | float], max_score: int) -> PrePost:
    """Pre/post comparison on the members who took both tests.

    g = (mean_post − mean_pre) / (max − mean_pre), computed on the paired class means; ``None`` (n/a)
    when nobody took both or mean_pre == max. ``individual`` holds each paired member's own g.
    """
    if isinstance(max_score, bool) or max_score <= 0:
        raise ValueError("max_score must be positive")
    for label, d in (("pre", pre), ("post", post)):
        for m, s in d.items():
            if isinstance(s, bool) or not 0 <= s <= max_score:
                raise ValueError(f"{label} score of {m!r} must be 0..{max_score}, got {s!r}")
    paired = [m for m in pre if m in post]
    individual = {m: _f(_gain(Fraction(pre[m]), Fraction(post[m]), max_score)) for m in paired}
    if not paired:
        return PrePost(len(pre), len(post), 0, None, None, None, individual, max_score)
    k = len(paired)
    mpre = sum((Fraction(pre[m]) for m in paired), Fraction(0)) / k
    mpost = sum((Fraction(post[m]) for m in paired), Fraction(0)) / k
    return PrePost(
        n_pre=len(pre),
        n_post=len(post),
        n_paired=k,
        mean_pre=float(mpre),
        mean_post=float(mpost),
        gain=_f(_gain(mpre, mpost, max_score)),
        individual=individual,
        max_score=max_score,
    )


def _off_floor(k: int, floor: int) -> bool:
    """A group of k people that may not be published on its own (1..floor-1)."""
    return 0 < k < floor


def prepost_published(
    pre: Mapping[str, int | float],
    post: Mapping[str, int | float],
    max_score: int,
    *,
    floor: int = DEFAULT_FLOOR,
    pre_shown: bool = True,
    post_shown: bool = True,
) -> PrePost:
    """The pre/post comparison that may be published next to each test's own results.

    Each test's own mean covers everyone who took it. The comparison on the members who took both is
    published only if it cannot be subtracted from those: at least ``floor`` paired members, and the
    unpaired of each test 0 or at least ``floor``. Otherwise it compares the two class means (everyone who
    took each test; ``paired`` False) — figures already published. ``pre_shown``/``post_shown``: whether
    each test's mean score is published (no item withheld); if either is not, only the counts are given
    (``withheld``).
    """
    full = prepost(pre, post, max_score)
    k = full.n_paired
    if not (pre_shown and post_shown) or len(pre) < floor or len(post) < floor:
        return PrePost(len(pre), len(post), k, None, None, None, max_score=max_score, paired=False, withheld=True)
    if k >= floor and not _off_floor(len(pre) - k, floor) and not _off_floor(len(post) - k, floor):
        return replace(full, individual={})
    mpre = sum((Fraction(v) for v in pre.values()), Fraction(0)) / len(pre)
    mpost = sum((Fraction(v) for v in post.values()), Fraction(0)) / len(post)
    return PrePost(
        n_pre=len(pre), n_post=len(post), n_paired=k, mean_pre=float(mpre), mean_post=float(mpost),
        gain=_f(_gain(mpre, mpost, max_score)), max_score=max_score, paired=False,
    )


def mean_score_shown(summary: SurveySummary) -> bool:
    """A test's mean score may be published: somebody took it and no item is withheld (else the mean,
    minus the published items, would give the withheld item's few answers)."""
    return summary.n_published > 0 and not summary.any_withheld
