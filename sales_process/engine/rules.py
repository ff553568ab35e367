"""Vocabulary of the checkpoint engine: rules, deal snapshots and records.

The string values equal the Select options of the doctypes, so values read
from the database can be compared without translation tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime


class Trigger:
	OPPORTUNITY_CREATED = "Opportunity Created"
	ENTERS_STAGE = "Enters Stage"
	COMPETITOR_ADDED = "Competitor Added"
	RISK_SIGNAL = "Risk Signal"
	QUOTATION_DRAFTED = "Before Quotation Submit"
	SALES_ORDER_DRAFTED = "Before Sales Order Submit"
	CONDITION = "Condition Met"

	ALL = (
		OPPORTUNITY_CREATED,
		ENTERS_STAGE,
		COMPETITOR_ADDED,
		RISK_SIGNAL,
		QUOTATION_DRAFTED,
		SALES_ORDER_DRAFTED,
		CONDITION,
	)


class Gate:
	NONE = ""
	LEAVE_STAGE = "Leave Stage"
	SUBMIT_QUOTATION = "Submit Quotation"
	SUBMIT_SALES_ORDER = "Submit Sales Order"

	ALL = (NONE, LEAVE_STAGE, SUBMIT_QUOTATION, SUBMIT_SALES_ORDER)


class EvidenceKind:
	ATTACHMENT = "Attachment"
	SUMMARY = "Summary"
	COMPETITOR_RESPONSE = "Competitor Response"
	DECISION_ROLES = "Decision Chain Roles"
	PURCHASE_MATCH = "Purchase History Match"
	RISK_STRATEGY = "Risk Strategy"

	ALL = (ATTACHMENT, SUMMARY, COMPETITOR_RESPONSE, DECISION_ROLES, PURCHASE_MATCH, RISK_STRATEGY)
	# what the rep types or attaches; the others are read from the deal
	ENTERED_BY_REP = (ATTACHMENT, SUMMARY)


class RecordStatus:
	PENDING = "Pending"
	DUE_SOON = "Due Soon"
	OVERDUE = "Overdue"
	COMPLETED = "Completed"
	WAIVED = "Waived"
	CANCELLED = "Cancelled"

	OPEN = (PENDING, DUE_SOON, OVERDUE)
	CLOSED = (COMPLETED, WAIVED, CANCELLED)
	ALL = OPEN + CLOSED


@dataclass(frozen=True)
class EvidenceRequirement:
	kind: str
	label: str = ""
	# attachments: files needed; summary: minimum characters; roles: distinct roles needed
	min_count: int = 0
	# purchase history match, in percent
	min_ratio: float = 0.0
	# decision chain roles that must all be present, e.g. ("Initiator", "Veto Holder")
	required_roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckpointRule:
	name: str
	trigger: str
	trigger_stage: str | None = None
	gate: str = Gate.NONE
	gate_stage: str | None = None
	due_value: float = 0
	due_unit: str = "Hours"
	scope: Mapping[str, frozenset[str]] = field(default_factory=dict)
	evidence: tuple[EvidenceRequirement, ...] = ()
	enabled: bool = True
	applies_without_opportunity: bool = False

	@property
	def stage_gated(self) -> str | None:
		"""The stage this rule keeps a deal in until it is done."""
		if self.gate != Gate.LEAVE_STAGE:
			return None
		return self.gate_stage or self.trigger_stage


@dataclass(frozen=True)
class DealSnapshot:
	"""What the engine needs to know of a deal (an Opportunity today).

	`past_attributes` and `past_conditions` are what the deal has been: every
	scope value it ever had and every conditional checkpoint whose condition
	ever held on it. A checkpoint that applied to the deal once keeps applying,
	so editing the industry (or the amount) does not take a deal out of a gate.
	"""

	stage: str | None = None
	status: str | None = None
	attributes: Mapping[str, str | None] = field(default_factory=dict)
	competitors: frozenset[str] = frozenset()
	past_attributes: Mapping[str, frozenset[str]] = field(default_factory=dict)
	past_conditions: frozenset[str] = frozenset()

	def scope_values(self, dimension: str) -> set[str | None]:
		return {self.attributes.get(dimension), *self.past_attributes.get(dimension, ())}


@dataclass(frozen=True)
class RecordState:
	checkpoint: str
	trigger_key: str
	status: str
	due_on: datetime | None = None
	triggered_on: datetime | None = None
	completed_on: datetime | None = None
	name: str | None = None

	@property
	def closed(self) -> bool:
		return self.status in RecordStatus.CLOSED


def applies(rule: CheckpointRule, attributes: Mapping[str, str | None]) -> bool:
	"""A rule applies when, for every dimension it is limited to, the deal's value is listed.

	A deal with no value for a limited dimension is outside that rule: a
	checkpoint for "auto parts" never fires on a deal whose industry is unknown.
	"""
	if not rule.enabled:
		return False
	for dimension, allowed in rule.scope.items():
		if allowed and attributes.get(dimension) not in allowed:
			return False
	return True


def applies_to(rule: CheckpointRule, *deals: DealSnapshot | None) -> bool:
	"""Does the rule apply to the deal as it is, was before this change, or ever was?

	Judged per dimension over every value the deal has had: a deal that was
	"auto parts" at any point keeps the auto-parts checkpoints.
	"""
	if not rule.enabled:
		return False
	for dimension, allowed in rule.scope.items():
		if not allowed:
			continue
		values: set[str | None] = set()
		for deal in deals:
			if deal is not None:
				values |= deal.scope_values(dimension)
		if not values & allowed:
			return False
	return True


def remembered_scope(
	memory: Mapping[str, Iterable[str]] | None, *attribute_sets: Mapping[str, str | None] | None
) -> dict[str, list[str]]:
	"""The deal's scope memory after this change: what it held plus the values seen now (sorted, no blanks)."""
	merged: dict[str, set[str]] = {key: {v for v in values if v} for key, values in (memory or {}).items()}
	for attributes in attribute_sets:
		for dimension, value in (attributes or {}).items():
			if value:
				merged.setdefault(dimension, set()).add(value)
	return {dimension: sorted(values) for dimension, values in sorted(merged.items()) if values}
