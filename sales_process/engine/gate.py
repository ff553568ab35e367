"""May a deal take this step? A gate decision with the reasons it is refused.

Two kinds of checkpoint hold a deal:
- a record that has started keeps its gate until it is completed, waived or
  cancelled, whatever the deal's fields become (scope and conditions are not
  asked again);
- a checkpoint that has not started yet holds a move that would skip the stage
  where it starts, judged on what the deal is, was before this change, or ever was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from sales_process.engine.rules import CheckpointRule, DealSnapshot, Gate, RecordState, Trigger, applies_to
from sales_process.engine.triggers import origin_stage, stage_key, stages_entered


@dataclass(frozen=True)
class Blocker:
	checkpoint: str
	# the record that is still open, None when the checkpoint never started (a skipped stage)
	record: str | None
	status: str | None
	stage: str | None = None


def stages_left(old_stage: str | None, new_stage: str | None, stage_order: Mapping[str, int]) -> list[str]:
	"""Stages a move leaves behind: the current one and, going forward, every skipped one."""
	if not old_stage or old_stage == new_stage:
		return []
	entered = stages_entered(old_stage, new_stage, stage_order)
	return [old_stage] + entered[:-1]


def stages_behind(stage: str | None, stage_order: Mapping[str, int]) -> set[str]:
	"""Ordered stages before `stage`."""
	rank = stage_order.get(stage or "")
	if rank is None:
		return set()
	return {other for other, other_rank in stage_order.items() if other_rank < rank}


def is_backward(origin: str | None, new_stage: str | None, stage_order: Mapping[str, int]) -> bool:
	"""A move to an ordered stage before the ordered stage the deal is (or last was) in."""
	origin_rank, new_rank = stage_order.get(origin or ""), stage_order.get(new_stage or "")
	return origin_rank is not None and new_rank is not None and new_rank < origin_rank


def gets_past(gated_stage: str, new_stage: str | None, stage_order: Mapping[str, int]) -> bool:
	"""Would a deal in `new_stage` be past the stage a checkpoint keeps it in?

	An empty stage and a stage without an order are past every gate: a deal
	cannot hide from its gates by leaving the ordered stages.
	"""
	new_rank = stage_order.get(new_stage or "")
	if new_rank is None:
		return new_stage != gated_stage
	gated_rank = stage_order.get(gated_stage)
	if gated_rank is None:
		# a gate on a stage without an order (misconfigured): only that stage is safe
		return new_stage != gated_stage
	return new_rank > gated_rank


def leave_stage_blockers(
	rules: Iterable[CheckpointRule],
	records: Iterable[RecordState],
	deal: DealSnapshot,
	old_stage: str | None,
	new_stage: str | None,
	stage_order: Mapping[str, int],
	*,
	before: DealSnapshot | None = None,
	last_ordered_stage: str | None = None,
	condition_holds: Callable[[CheckpointRule], bool] | None = None,
) -> list[Blocker]:
	"""Checkpoints that keep the deal from moving from `old_stage` to `new_stage`.

	Moving back to an earlier ordered stage is never gated: it is how a rep
	admits a deal is less advanced than the stage said. Every other move —
	forward, to a stage without an order, or clearing the stage — is held by
	each open record whose gate it would pass, and by each stage checkpoint of
	a stage it would skip.
	"""
	if old_stage == new_stage:
		return []
	origin = origin_stage(old_stage, stage_order, last_ordered_stage)
	if is_backward(origin, new_stage, stage_order):
		return []
	rules = [rule for rule in rules if rule.enabled]
	by_name = {rule.name: rule for rule in rules}
	records = list(records)
	blockers: list[Blocker] = []
	for state in records:
		rule = by_name.get(state.checkpoint)
		if state.closed or rule is None or not rule.stage_gated:
			continue
		if gets_past(rule.stage_gated, new_stage, stage_order):
			blockers.append(Blocker(rule.name, state.name, state.status, rule.stage_gated))

	skipped = stages_skipped(origin, new_stage, stage_order)
	started = {(state.checkpoint, state.trigger_key) for state in records}
	for rule in rules:
		if rule.trigger != Trigger.ENTERS_STAGE or rule.trigger_stage not in skipped or not rule.stage_gated:
			continue
		if (rule.name, stage_key(rule.trigger_stage)) in started:
			continue
		if not gets_past(rule.stage_gated, new_stage, stage_order):
			continue
		if applies_to(rule, deal, before) and (condition_holds is None or condition_holds(rule)):
			blockers.append(Blocker(rule.name, None, None, rule.stage_gated))
	return blockers


def stages_skipped(origin: str | None, new_stage: str | None, stage_order: Mapping[str, int]) -> set[str]:
	"""Ordered stages strictly between where the deal is in process order and where it goes.

	The origin itself is not skipped: a deal that entered it before a checkpoint
	existed (or before the app was installed) is not held by a rule it never
	had the chance to meet. A deal never in an ordered stage skips every stage
	before the one it goes to.
	"""
	new_rank = stage_order.get(new_stage or "")
	if new_rank is None:
		return set()
	low = stage_order[origin] if origin in stage_order else float("-inf")
	return {stage for stage, rank in stage_order.items() if low < rank < new_rank}


def submit_blockers(
	rules: Iterable[CheckpointRule],
	records: Iterable[RecordState],
	deal: DealSnapshot,
	gate: str,
	document_key: str | None = None,
	*,
	before: DealSnapshot | None = None,
	condition_holds: Callable[[CheckpointRule], bool] | None = None,
) -> list[Blocker]:
	"""Open checkpoints that gate submitting a Quotation or a Sales Order for this deal.

	Checkpoints started by drafting a document count only for that document
	(`document_key`): another quotation's open check does not hold this one.
	Open records hold whatever the deal has become; a per-document checkpoint
	that has not started holds the submit when it applies to the deal.
	"""
	if gate not in (Gate.SUBMIT_QUOTATION, Gate.SUBMIT_SALES_ORDER):
		raise ValueError(f"not a submit gate: {gate!r}")
	records = list(records)
	blockers: list[Blocker] = []
	for rule in rules:
		if rule.gate != gate or not rule.enabled:
			continue
		per_document = rule.trigger in (Trigger.QUOTATION_DRAFTED, Trigger.SALES_ORDER_DRAFTED)
		own = [
			r
			for r in records
			if r.checkpoint == rule.name and (not per_document or r.trigger_key == document_key)
		]
		if (
			per_document
			and not own
			and applies_to(rule, deal, before)
			and (condition_holds is None or condition_holds(rule))
		):
			blockers.append(Blocker(rule.name, None, None))
		blockers.extend(Blocker(rule.name, r.name, r.status) for r in own if not r.closed)
	return blockers


def creation_blockers(
	rules: Iterable[CheckpointRule], deal: DealSnapshot, stage_order: Mapping[str, int]
) -> list[Blocker]:
	"""Checkpoints a new deal would already be past: it starts them and is created beyond their gate.

	`rules` are those that apply to the new deal. A deal created without a
	stage is past nothing; it meets its gates on its first move.
	"""
	if not deal.stage:
		return []
	entered = set(stages_entered(None, deal.stage, stage_order))
	blockers = []
	for rule in rules:
		gated = rule.stage_gated
		if not rule.enabled or not gated or not gets_past(gated, deal.stage, stage_order):
			continue
		starts = rule.trigger == Trigger.OPPORTUNITY_CREATED or (
			rule.trigger == Trigger.ENTERS_STAGE and rule.trigger_stage in entered
		)
		if starts:
			blockers.append(Blocker(rule.name, None, None, gated))
	return blockers
