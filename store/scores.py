"""The experts' own scores and comments, one per expert and registration."""
from __future__ import annotations

from sqlmodel import select

from intake.base.times import utcnow
from store import Store
from store.models import ReviewerScore


def save_score(store: Store, registration_id: int, reviewer: str, score: int | None, comment: str) -> None:
    """Write `reviewer`'s own score and comment on the registration (replacing their earlier one)."""
    with store.session() as s:
        row = s.exec(select(ReviewerScore).where(ReviewerScore.registration_id == registration_id,
                                                 ReviewerScore.reviewer == reviewer)).first()
        row = row or ReviewerScore(registration_id=registration_id, reviewer=reviewer)
        row.score, row.comment, row.updated_at = score, comment, utcnow()
        s.add(row)


def scores_of(store: Store, registration_id: int, reviewer: str | None = None) -> list[ReviewerScore]:
    """The registration's scores, by expert name; only `reviewer`'s own when given."""
    query = select(ReviewerScore).where(ReviewerScore.registration_id == registration_id)
    if reviewer is not None:
        query = query.where(ReviewerScore.reviewer == reviewer)
    with store.session() as s:
        return list(s.exec(query.order_by(ReviewerScore.reviewer)))
