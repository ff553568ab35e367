"""Which checkpoints a change to a deal starts, and when each is due."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sales_process.engine.deadlines import due_time
from sales_process.engine.rules import CheckpointRule, DealSnapshot, Trigger, applies_to

CREATED_KEY = "created"
CONDITION_KEY = "condition"
COMPETITOR_PREFIX = "competitor:"
RISK_PREFIX = "risk:"


@dataclass(frozen=True)
class TriggeredCheckpoint:
	checkpoint: str
	# what started it: "created", "stage:<stage>", "competitor:<name>", "risk:<signal>",
	# "Quotation:<name>"; one record per checkpoint and key, so re-triggering is a no-op
	trigger_key: str
	triggered_on: datetime
	due_on: datetime


def stage_key(stage: str) -> str:
	return f"stage:{stage}"


def competitor_key(competitor: str) -> str:
	return f"{COMPETITOR_PREFIX}{competitor}"


def risk_key(signal: str) -> str:
	return f"{RISK_PREFIX}{signal}"


def subject_of(trigger_key: str | None, prefix: str) -> str | None:
	"""What a record's trigger key is about ("competitor:Acme" → "Acme"), if it has that prefix."""
	if trigger_key and trigger_key.startswith(prefix) and len(trigger_key) > len(prefix):
		return trigger_key[len(prefix) :]
	return None


def document_key(doctype: str, name: str) -> str:
	return f"{doctype}:{name}"


def origin_stage(
	old_stage: str | None, stage_order: Mapping[str, int], last_ordered_stage: str | None = None
) -> str | None:
	"""Where a move starts from in process order.

	A deal in a stage without an order (or with its stage cleared) is where it
	last was in an ordered stage; None when it never was in one.
	"""
	if old_stage in stage_order:
		return old_stage
	return last_ordered_stage if last_ordered_stage in stage_order else None


def stages_entered(old_stage: str | None, new_stage: str | None, stage_order: Mapping[str, int]) -> list[str]:
	"""The new stage, preceded by the stages skipped on the way forward.

	Skipping "Proposal" must not skip the checkpoints that start there; moving
	backwards enters only the stage moved to. A deal that was never in an
	ordered stage (`old_stage` None: a new deal, or one whose stage was always
	empty or unordered) has passed every ordered stage before the one it enters.
	"""
	if not new_stage or new_stage == old_stage:
		return []
	new_rank = stage_order.get(new_stage)
	if old_stage is None and new_rank is not None:
		old_rank = float("-inf")
	else:
		old_rank = stage_order.get(old_stage) if old_stage else None
	if new_rank is None or old_rank is None or new_rank <= old_rank:
		return [new_stage]
	skipped = sorted((rank, stage) for stage, rank in stage_order.items() if old_rank < rank < new_rank)
	return [stage for _rank, stage in skipped] + [new_stage]


def checkpoints_triggered(
	rules: Iterable[CheckpointRule],
	before: DealSnapshot | None,
	after: DealSnapshot,
	now: datetime,
	existing: Collection[tuple[str, str]] = (),
	stage_order: Mapping[str, int] | None = None,
	holidays: Collection[date] | None = None,
	condition_holds: Callable[[CheckpointRule], bool] | None = None,
	events: Iterable[tuple[str, str]] = (),
	last_ordered_stage: str | None = None,
) -> list[TriggeredCheckpoint]:
	"""New checkpoint records for the change `before` → `after` of one deal.

	`existing` holds the (checkpoint, trigger_key) pairs the deal already has:
	re-entering a stage, or saving twice, starts nothing new. `events` carries
	triggers that are not visible in the snapshot, as (trigger, key) pairs,
	e.g. (Trigger.QUOTATION_DRAFTED, "Quotation:SAL-QTN-0001"). A deal whose
	stage was empty or unordered before moves on from `last_ordered_stage`.
	Scope is judged on what the deal is, was before the change, or ever was.
	"""
	stage_order = stage_order or {}
	fired: list[tuple[CheckpointRule, str]] = []
	if before is not None and before.stage == after.stage:
		entered = []
	else:
		origin = None if before is None else origin_stage(before.stage, stage_order, last_ordered_stage)
		entered = stages_entered(origin, after.stage, stage_order)
	added_competitors = sorted(after.competitors - (before.competitors if before else frozenset()))
	explicit = list(events)

	for rule in rules:
		if not applies_to(rule, after, before):
			continue
		if rule.trigger == Trigger.OPPORTUNITY_CREATED and before is None:
			fired.append((rule, CREATED_KEY))
		elif rule.trigger == Trigger.ENTERS_STAGE and rule.trigger_stage in entered:
			fired.append((rule, stage_key(rule.trigger_stage)))
		elif rule.trigger == Trigger.COMPETITOR_ADDED:
			fired.extend((rule, competitor_key(c)) for c in added_competitors)
		elif rule.trigger == Trigger.CONDITION and condition_holds is not None and condition_holds(rule):
			fired.append((rule, CONDITION_KEY))
		else:
			fired.extend((rule, key) for trigger, key in explicit if trigger == rule.trigger)

	seen = set(existing)
	started: list[TriggeredCheckpoint] = []
	for rule, key in fired:
		if (rule.name, key) in seen:
			continue
		seen.add((rule.name, key))
		due = due_time(now, rule.due_value, rule.due_unit, holidays)
		started.append(TriggeredCheckpoint(rule.name, key, now, due))
	return started
