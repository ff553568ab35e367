"""Does the evidence given for a checkpoint meet its requirements?

Messages are English templates with named parameters; the Frappe side
translates the template and fills the parameters, so a refusal reads in the
user's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sales_process.engine.rules import EvidenceKind, EvidenceRequirement


@dataclass(frozen=True)
class Missing:
	template: str
	params: Mapping[str, object] = field(default_factory=dict)

	@property
	def text(self) -> str:
		return self.template.format(**{key: joined(value) for key, value in self.params.items()})


def joined(value) -> object:
	"""Lists (roles, competitors) are kept as tuples so each item can be translated, then joined."""
	return ", ".join(str(item) for item in value) if isinstance(value, tuple | list) else value


@dataclass(frozen=True)
class EvidenceInput:
	attachments: int = 0
	summary: str = ""
	# competitors the deal has a Sales Competitor Response for
	competitor_responses: frozenset[str] = frozenset()
	# the competitor a "Competitor Added" record is about; None means all the deal's competitors
	competitor: str | None = None
	competitors: frozenset[str] = frozenset()
	decision_roles: tuple[str, ...] = ()
	match_ratio: float | None = None
	# a fact the server computed: True the customer bought before, False never did, None unknown
	purchase_history: bool | None = None
	risk_strategy: str | None = None


def missing_evidence(requirements: tuple[EvidenceRequirement, ...], given: EvidenceInput) -> list[Missing]:
	"""Everything still missing, one message per unmet requirement; empty means complete.

	A checkpoint without requirements is never complete by itself: "nothing
	needed" is not something an empty configuration may say.
	"""
	if not requirements:
		return [NOTHING_CONFIGURED]
	missing: list[Missing] = []
	for requirement in requirements:
		check = _CHECKS.get(requirement.kind)
		if check is None:
			missing.append(Missing("Unknown evidence type {kind}", {"kind": requirement.kind}))
			continue
		problem = check(requirement, given)
		if problem:
			missing.append(problem)
	return missing


NOTHING_CONFIGURED = Missing(
	"No evidence is configured for this checkpoint: ask a Sales Process Manager to set what it requires, or a Sales Manager to waive it",
	{},
)


def _label(requirement: EvidenceRequirement, default: str) -> str:
	return requirement.label or default


def _attachment(requirement: EvidenceRequirement, given: EvidenceInput) -> Missing | None:
	needed = max(requirement.min_count, 1)
	if given.attachments >= needed:
		return None
	if needed == 1:
		return Missing("Attach {label}", {"label": _label(requirement, "the evidence file")})
	return Missing(
		"Attach {label}: {needed} files needed, {given} attached",
		{"label": _label(requirement, "the evidence files"), "needed": needed, "given": given.attachments},
	)


def _summary(requirement: EvidenceRequirement, given: EvidenceInput) -> Missing | None:
	text = (given.summary or "").strip()
	needed = max(requirement.min_count, 1)
	if len(text) >= needed:
		return None
	if not text:
		return Missing("Write {label}", {"label": _label(requirement, "a short summary")})
	return Missing(
		"Write {label} of at least {needed} characters ({given} so far)",
		{"label": _label(requirement, "a summary"), "needed": needed, "given": len(text)},
	)


def _competitor_response(requirement: EvidenceRequirement, given: EvidenceInput) -> Missing | None:
	expected = {given.competitor} if given.competitor else set(given.competitors)
	without = sorted(expected - set(given.competitor_responses))
	if not without and (expected or given.competitor_responses):
		return None
	if not expected:
		return Missing("Record a Sales Competitor Response for the competitor", {})
	return Missing(
		"Record a Sales Competitor Response for {competitors}",
		{"competitors": tuple(without)},
	)


def _decision_roles(requirement: EvidenceRequirement, given: EvidenceInput) -> Missing | None:
	marked = {role for role in given.decision_roles if role}
	absent = [role for role in requirement.required_roles if role not in marked]
	needed = max(requirement.min_count, len(requirement.required_roles), 1)
	if not absent and len(marked) >= needed:
		return None
	if absent:
		return Missing(
			"Mark the decision chain: {roles} missing ({given} of {needed} roles marked)",
			{"roles": tuple(absent), "given": len(marked), "needed": needed},
		)
	return Missing(
		"Mark at least {needed} different roles in the decision chain ({given} so far)",
		{"needed": needed, "given": len(marked)},
	)


def _purchase_match(requirement: EvidenceRequirement, given: EvidenceInput) -> Missing | None:
	if given.purchase_history is False:
		# the server found no submitted Sales Order or Invoice of this customer: nothing to match
		return None
	if given.match_ratio is None or given.purchase_history is None:
		# unknown is not a pass: no ratio was computed for these items
		return Missing(
			"Compare the quoted items with the customer's purchase history: add the items to the quotation and save it",
			{},
		)
	if given.match_ratio >= requirement.min_ratio:
		return None
	return Missing(
		"Only {ratio}% of the quoted items match the customer's purchase history; {needed}% is required",
		{"ratio": f"{given.match_ratio:g}", "needed": f"{requirement.min_ratio:g}"},
	)


def _risk_strategy(requirement: EvidenceRequirement, given: EvidenceInput) -> Missing | None:
	if given.risk_strategy:
		return None
	return Missing("Choose a response strategy from the strategy library", {})


_CHECKS = {
	EvidenceKind.ATTACHMENT: _attachment,
	EvidenceKind.SUMMARY: _summary,
	EvidenceKind.COMPETITOR_RESPONSE: _competitor_response,
	EvidenceKind.DECISION_ROLES: _decision_roles,
	EvidenceKind.PURCHASE_MATCH: _purchase_match,
	EvidenceKind.RISK_STRATEGY: _risk_strategy,
}
