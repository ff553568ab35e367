"""Stage history: what counts as a transition, time spent, and backfill from old versions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

# ERPNext's eight default Sales Stages with the app's order, probability (%) and stall limit (h).
DEFAULT_STAGES: tuple[tuple[str, int, float, float], ...] = (
	("Prospecting", 10, 10, 72),
	("Qualification", 20, 20, 72),
	("Needs Analysis", 30, 30, 72),
	("Value Proposition", 40, 40, 72),
	("Identifying Decision Makers", 50, 50, 72),
	("Perception Analysis", 60, 60, 72),
	("Proposal/Price Quote", 70, 70, 72),
	("Negotiation/Review", 80, 85, 72),
)


# What a manager does when a deal stalls (seed 003); editable per stage.
DEFAULT_STALL_ACTION = (
	"Pull this customer's last 3 months of repair records and agree the next step with the rep."
)


@dataclass(frozen=True)
class Position:
	stage: str | None
	status: str | None


@dataclass(frozen=True)
class Transition:
	from_position: Position | None
	to_position: Position
	changed_on: datetime
	changed_by: str | None
	seconds_in_previous: float | None


def has_moved(last: Position | None, current: Position) -> bool:
	return last is None or last != current


def seconds_between(earlier: datetime | None, later: datetime) -> float | None:
	if earlier is None:
		return None
	return max((later - earlier).total_seconds(), 0.0)


def transitions_from_history(
	created_on: datetime,
	created_by: str | None,
	current: Position,
	changes: Iterable[tuple[datetime, str | None, str, object, object]],
) -> list[Transition]:
	"""Rebuild a deal's stage history from its creation and tracked field changes.

	`changes` are (when, who, field, old, new) for the fields "sales_stage" and
	"status" (from Frappe's Version log). The first position is inferred from
	the oldest value of each field; when nothing is tracked, the history is the
	current position since creation.
	"""
	ordered = sorted(
		(c for c in changes if c[2] in ("sales_stage", "status")),
		key=lambda change: change[0],
	)
	first_stage = next((c[3] for c in ordered if c[2] == "sales_stage"), current.stage)
	first_status = next((c[3] for c in ordered if c[2] == "status"), current.status)
	position = Position(first_stage or None, first_status or None)
	transitions = [Transition(None, position, created_on, created_by, None)]
	since = created_on
	for when, who, fieldname, _old, new in ordered:
		if fieldname == "sales_stage":
			moved = Position(new or None, position.status)
		else:
			moved = Position(position.stage, new or None)
		if moved == position:
			continue
		transitions.append(Transition(position, moved, when, who, seconds_between(since, when)))
		position, since = moved, when
	return transitions
