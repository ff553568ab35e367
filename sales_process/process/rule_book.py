"""Checkpoint configuration, read from the database once and cached.

Hooks run on every Opportunity save, so rules, stage order and holidays are
cached in Redis and dropped when a Sales Checkpoint or Sales Stage changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import frappe
from frappe import _

from sales_process.engine.deadlines import WORKING_DAYS
from sales_process.engine.rules import CheckpointRule, EvidenceKind, EvidenceRequirement, applies_to

RULES_CACHE_KEY = "sales_process:rule_book"
STAGE_ORDER_CACHE_KEY = "sales_process:stage_order"

# Sales Checkpoint Scope dimension (the doctype of its values) → engine dimension
SCOPE_DIMENSIONS = {
	"Industry Type": "industry",
	"Customer Group": "customer_group",
	"Territory": "territory",
	"Opportunity Type": "opportunity_type",
}


@dataclass
class RuleBook:
	rules: list[CheckpointRule] = field(default_factory=list)
	conditions: dict[str, str] = field(default_factory=dict)
	waiver_roles: dict[str, str] = field(default_factory=dict)
	sequence: dict[str, int] = field(default_factory=dict)

	@property
	def uses_working_days(self) -> bool:
		return any(rule.due_unit == WORKING_DAYS for rule in self.rules)

	def rule(self, name: str) -> CheckpointRule | None:
		return next((rule for rule in self.rules if rule.name == name), None)


def rule_from_doc(checkpoint) -> CheckpointRule:
	scope: dict[str, set[str]] = {}
	for row in checkpoint.get("scope") or []:
		dimension = SCOPE_DIMENSIONS.get(row.dimension)
		if dimension and row.value:
			scope.setdefault(dimension, set()).add(row.value)
	return CheckpointRule(
		name=checkpoint.name,
		trigger=checkpoint.trigger,
		trigger_stage=checkpoint.get("trigger_stage") or None,
		gate=checkpoint.get("gate") or "",
		gate_stage=checkpoint.get("gate_stage") or None,
		due_value=checkpoint.get("due_value") or 0,
		due_unit=checkpoint.get("due_unit") or "Hours",
		scope={dimension: frozenset(values) for dimension, values in scope.items()},
		evidence=tuple(
			EvidenceRequirement(
				kind=row.kind,
				label=row.get("label") or "",
				min_count=row.get("min_count") or 0,
				min_ratio=row.get("min_ratio") or 0,
				required_roles=tuple(
					r.strip() for r in (row.get("required_roles") or "").split(",") if r.strip()
				),
			)
			for row in checkpoint.get("evidence") or []
		),
		enabled=bool(checkpoint.get("enabled")),
		applies_without_opportunity=bool(checkpoint.get("applies_without_opportunity")),
	)


def rule_book() -> RuleBook:
	if getattr(frappe.local, "sales_process_rule_book", None) is not None:
		return frappe.local.sales_process_rule_book
	book = frappe.cache.get_value(RULES_CACHE_KEY)
	if book is None:
		book = _load_rule_book()
		frappe.cache.set_value(RULES_CACHE_KEY, book)
	frappe.local.sales_process_rule_book = book
	return book


def _load_rule_book() -> RuleBook:
	book = RuleBook()
	names = frappe.get_all(
		"Sales Checkpoint", filters={"enabled": 1}, order_by="sequence asc, name asc", pluck="name"
	)
	for name in names:
		checkpoint = frappe.get_doc("Sales Checkpoint", name)
		book.rules.append(rule_from_doc(checkpoint))
		if checkpoint.condition:
			book.conditions[name] = checkpoint.condition
		if checkpoint.waiver_role:
			book.waiver_roles[name] = checkpoint.waiver_role
		book.sequence[name] = checkpoint.sequence or 0
	return book


def clear_cache(doc=None, method=None):
	_drop_cached_rules()
	# a reader may cache the uncommitted change before this transaction ends: drop it again then
	frappe.db.after_commit.add(_drop_cached_rules)
	frappe.db.after_rollback.add(_drop_cached_rules)


def _drop_cached_rules():
	frappe.cache.delete_value(RULES_CACHE_KEY)
	frappe.cache.delete_value(STAGE_ORDER_CACHE_KEY)
	frappe.local.sales_process_rule_book = None


def stage_order() -> dict[str, int]:
	order = frappe.cache.get_value(STAGE_ORDER_CACHE_KEY)
	if order is None:
		rows = frappe.get_all("Sales Stage", fields=["name", "sp_sequence"])
		order = {row.name: row.sp_sequence for row in rows if row.sp_sequence}
		frappe.cache.set_value(STAGE_ORDER_CACHE_KEY, order)
	return order


def holidays(company: str | None):
	"""Dates off for the company's default Holiday List; None when it has none (weekends off)."""
	holiday_list = company and frappe.get_cached_value("Company", company, "default_holiday_list")
	if not holiday_list:
		return None
	return frozenset(row.holiday_date for row in frappe.get_cached_doc("Holiday List", holiday_list).holidays)


def condition_holds(book: RuleBook, rule: CheckpointRule, deal) -> bool:
	"""Does the checkpoint's condition hold on the deal as it is, was before this save, or ever was?

	A condition that fails to run is logged and counts as not holding: it never
	blocks a deal it has not started on (started records keep their gate anyway).
	"""
	condition = book.conditions.get(rule.name)
	if not condition:
		return True
	if rule.name in deal.snapshot.past_conditions:
		return True
	return any(evaluate(rule.name, condition, doc) for doc in (deal.doc, deal.before_doc) if doc is not None)


def evaluate(checkpoint: str, condition: str, doc) -> bool:
	try:
		return bool(frappe.safe_eval(condition, None, {"doc": doc.as_dict()}))
	except Exception:
		frappe.log_error(
			title=_("Sales Checkpoint {0}: condition failed").format(checkpoint),
			reference_doctype="Sales Checkpoint",
			reference_name=checkpoint,
		)
		return False


def conditions_met(book: RuleBook, doc) -> list[str]:
	"""Conditional checkpoints whose condition holds on this document (for the deal's memory)."""
	return [name for name, condition in book.conditions.items() if evaluate(name, condition, doc)]


def applicable(book: RuleBook, deal) -> list[CheckpointRule]:
	"""Rules that apply to the deal: scope and condition judged on what it is, was and ever was."""
	return [
		rule
		for rule in book.rules
		if (rule.applies_without_opportunity or not deal.standalone)
		and applies_to(rule, deal.snapshot, deal.before)
		and condition_holds(book, rule, deal)
	]


def gating_rules(book: RuleBook, deal) -> list[CheckpointRule]:
	"""Rules that may gate this deal; scope and conditions are asked only of those not started yet."""
	return [rule for rule in book.rules if rule.applies_without_opportunity or not deal.standalone]


def waiver_role(book: RuleBook, checkpoint: str) -> str:
	from sales_process.process.settings import default_waiver_role

	return book.waiver_roles.get(checkpoint) or default_waiver_role()


def uses_purchase_match(checkpoint: str) -> bool:
	rule = rule_book().rule(checkpoint)
	return bool(rule) and any(r.kind == EvidenceKind.PURCHASE_MATCH for r in rule.evidence)


def uses(kind: str) -> bool:
	"""Does any enabled checkpoint ask for this kind of evidence?"""
	return any(requirement.kind == kind for rule in rule_book().rules for requirement in rule.evidence)


def is_auto_verified(rule: CheckpointRule) -> bool:
	"""Checkpoints whose evidence is all read from the deal complete themselves when met."""
	return bool(rule.evidence) and all(req.kind not in EvidenceKind.ENTERED_BY_REP for req in rule.evidence)
