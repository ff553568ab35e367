"""May a deal take this step? A gate decision with the reasons it is refused."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sales_process.engine.rules import CheckpointRule, DealSnapshot, Gate, RecordState, Trigger, applies
from sales_process.engine.triggers import stages_entered


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


def is_forward(old_stage: str | None, new_stage: str | None, stage_order: Mapping[str, int]) -> bool:
	old_rank, new_rank = stage_order.get(old_stage or ""), stage_order.get(new_stage or "")
	if old_rank is None or new_rank is None:
		# an unordered stage cannot be "behind"; treat the move as progress
		return True
	return new_rank > old_rank


def leave_stage_blockers(
	rules: Iterable[CheckpointRule],
	records: Iterable[RecordState],
	deal: DealSnapshot,
	old_stage: str | None,
	new_stage: str | None,
	stage_order: Mapping[str, int],
) -> list[Blocker]:
	"""Checkpoints that keep the deal in `old_stage` (or in a stage it tries to skip).

	Moving back to an earlier stage is never gated: it is how a rep admits a
	deal is less advanced than the stage said. Moving forward is also held by
	open checkpoints of stages already behind the deal (a deal created at a
	late stage, or moved back and forward again), so no path skips a gate.
	"""
	if not is_forward(old_stage, new_stage, stage_order):
		return []
	leaving = stages_left(old_stage, new_stage, stage_order)
	if not leaving:
		return []
	behind = stages_behind(old_stage, stage_order)
	records = list(records)
	blockers: list[Blocker] = []
	for rule in rules:
		stage = rule.stage_gated
		if stage not in leaving and stage not in behind:
			continue
		if not applies(rule, deal.attributes):
			continue
		own = [r for r in records if r.checkpoint == rule.name]
		open_records = [r for r in own if not r.closed]
		if open_records:
			blockers.extend(Blocker(rule.name, r.name, r.status, stage) for r in open_records)
		elif not own and _starts_inevitably(rule, leaving):
			blockers.append(Blocker(rule.name, None, None, stage))
	return blockers


def _starts_inevitably(rule: CheckpointRule, leaving: list[str]) -> bool:
	"""A stage checkpoint of a stage being skipped must be done before skipping it.

	The current stage is not counted: a deal that entered it before the
	checkpoint existed (or before the app was installed) has no record and is
	not held back by a rule it never had the chance to meet. Checkpoints
	started by events (a competitor, a risk) gate only once started.
	"""
	return rule.trigger == Trigger.ENTERS_STAGE and rule.trigger_stage in leaving[1:]


def submit_blockers(
	rules: Iterable[CheckpointRule],
	records: Iterable[RecordState],
	deal: DealSnapshot,
	gate: str,
	document_key: str | None = None,
) -> list[Blocker]:
	"""Open checkpoints that gate submitting a Quotation or a Sales Order for this deal.

	Checkpoints started by drafting a document count only for that document
	(`document_key`): another quotation's open check does not hold this one.
	"""
	if gate not in (Gate.SUBMIT_QUOTATION, Gate.SUBMIT_SALES_ORDER):
		raise ValueError(f"not a submit gate: {gate!r}")
	records = list(records)
	blockers: list[Blocker] = []
	for rule in rules:
		if rule.gate != gate or not applies(rule, deal.attributes):
			continue
		per_document = rule.trigger in (Trigger.QUOTATION_DRAFTED, Trigger.SALES_ORDER_DRAFTED)
		own = [
			r
			for r in records
			if r.checkpoint == rule.name and (not per_document or r.trigger_key == document_key)
		]
		if per_document and not own:
			blockers.append(Blocker(rule.name, None, None))
		blockers.extend(Blocker(rule.name, r.name, r.status) for r in own if not r.closed)
	return blockers
