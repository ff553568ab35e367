from datetime import datetime

import pytest

from sales_process.engine.evidence import EvidenceInput, missing_evidence
from sales_process.engine.gate import leave_stage_blockers, stages_left, submit_blockers
from sales_process.engine.matching import purchase_history_match
from sales_process.engine.rules import (
	CheckpointRule,
	DealSnapshot,
	EvidenceKind,
	EvidenceRequirement,
	Gate,
	RecordState,
	RecordStatus,
	Trigger,
)

ORDER = {"Prospecting": 10, "Needs Analysis": 30, "Proposal/Price Quote": 70, "Negotiation/Review": 80}
DEAL = DealSnapshot(stage="Proposal/Price Quote", attributes={"industry": "Auto Parts"})

DECISION_CHAIN = CheckpointRule(
	"Decision Chain Mapping",
	Trigger.ENTERS_STAGE,
	trigger_stage="Proposal/Price Quote",
	gate=Gate.LEAVE_STAGE,
)
NEEDS = CheckpointRule(
	"Requirement Clarification",
	Trigger.OPPORTUNITY_CREATED,
	gate=Gate.LEAVE_STAGE,
	gate_stage="Needs Analysis",
)
SOLUTION_MATCH = CheckpointRule(
	"Solution Match Verification", Trigger.QUOTATION_DRAFTED, gate=Gate.SUBMIT_QUOTATION
)
CONTRACT = CheckpointRule(
	"Contract Terms Consensus", Trigger.SALES_ORDER_DRAFTED, gate=Gate.SUBMIT_SALES_ORDER
)
COMPETITOR = CheckpointRule(
	"Competitor Response Record", Trigger.COMPETITOR_ADDED, gate=Gate.SUBMIT_QUOTATION
)


def record(checkpoint, status, key="k", name=None):
	return RecordState(checkpoint, key, status, name=name or f"{checkpoint}-{key}")


def test_open_record_keeps_the_deal_in_its_stage():
	records = [record("Decision Chain Mapping", RecordStatus.OVERDUE, name="SCR-1")]
	blockers = leave_stage_blockers(
		[DECISION_CHAIN], records, DEAL, "Proposal/Price Quote", "Negotiation/Review", ORDER
	)
	assert [(b.checkpoint, b.record, b.status, b.stage) for b in blockers] == [
		("Decision Chain Mapping", "SCR-1", RecordStatus.OVERDUE, "Proposal/Price Quote")
	]


@pytest.mark.parametrize("status", [RecordStatus.COMPLETED, RecordStatus.WAIVED, RecordStatus.CANCELLED])
def test_completed_or_waived_record_lets_the_deal_move(status):
	records = [record("Decision Chain Mapping", status)]
	assert (
		leave_stage_blockers(
			[DECISION_CHAIN], records, DEAL, "Proposal/Price Quote", "Negotiation/Review", ORDER
		)
		== []
	)


def test_moving_back_is_never_gated():
	records = [record("Decision Chain Mapping", RecordStatus.PENDING)]
	assert (
		leave_stage_blockers([DECISION_CHAIN], records, DEAL, "Proposal/Price Quote", "Needs Analysis", ORDER)
		== []
	)


def test_skipping_a_gated_stage_is_refused_even_without_a_record():
	blockers = leave_stage_blockers([DECISION_CHAIN], [], DEAL, "Needs Analysis", "Negotiation/Review", ORDER)
	assert [(b.checkpoint, b.record, b.stage) for b in blockers] == [
		("Decision Chain Mapping", None, "Proposal/Price Quote")
	]


def test_a_deal_already_in_the_stage_before_the_rule_existed_is_not_held():
	assert (
		leave_stage_blockers([DECISION_CHAIN], [], DEAL, "Proposal/Price Quote", "Negotiation/Review", ORDER)
		== []
	)


def test_a_creation_checkpoint_can_gate_a_later_stage():
	records = [record("Requirement Clarification", RecordStatus.PENDING, key="created")]
	assert stages_left("Prospecting", "Proposal/Price Quote", ORDER) == ["Prospecting", "Needs Analysis"]
	blockers = leave_stage_blockers([NEEDS], records, DEAL, "Prospecting", "Proposal/Price Quote", ORDER)
	assert [b.checkpoint for b in blockers] == ["Requirement Clarification"]
	assert leave_stage_blockers([NEEDS], records, DEAL, "Prospecting", "Needs Analysis", ORDER) == []


def test_a_started_record_keeps_its_gate_when_the_deal_leaves_the_scope():
	other_industry = DealSnapshot(stage="Proposal/Price Quote", attributes={"industry": "Retail"})
	scoped = CheckpointRule(
		"Decision Chain Mapping",
		Trigger.ENTERS_STAGE,
		trigger_stage="Proposal/Price Quote",
		gate=Gate.LEAVE_STAGE,
		scope={"industry": frozenset({"Auto Parts"})},
	)
	records = [record("Decision Chain Mapping", RecordStatus.PENDING)]
	blockers = leave_stage_blockers(
		[scoped], records, other_industry, "Proposal/Price Quote", "Negotiation/Review", ORDER
	)
	assert [b.checkpoint for b in blockers] == ["Decision Chain Mapping"]


def test_a_disabled_checkpoint_gates_nothing():
	records = [record("Decision Chain Mapping", RecordStatus.PENDING)]
	disabled = CheckpointRule(**{**DECISION_CHAIN.__dict__, "enabled": False})
	assert (
		leave_stage_blockers([disabled], records, DEAL, "Proposal/Price Quote", "Negotiation/Review", ORDER)
		== []
	)


def test_records_of_a_removed_checkpoint_do_not_gate():
	records = [record("Old Checkpoint", RecordStatus.OVERDUE)]
	assert (
		leave_stage_blockers(
			[DECISION_CHAIN], records, DEAL, "Proposal/Price Quote", "Negotiation/Review", ORDER
		)
		== []
	)


def test_submit_gate_looks_only_at_this_documents_record():
	records = [
		record("Solution Match Verification", RecordStatus.PENDING, key="Quotation:Q-1", name="R1"),
		record("Solution Match Verification", RecordStatus.COMPLETED, key="Quotation:Q-2", name="R2"),
	]
	assert submit_blockers([SOLUTION_MATCH], records, DEAL, Gate.SUBMIT_QUOTATION, "Quotation:Q-2") == []
	blocked = submit_blockers([SOLUTION_MATCH], records, DEAL, Gate.SUBMIT_QUOTATION, "Quotation:Q-1")
	assert [b.record for b in blocked] == ["R1"]
	missing = submit_blockers([SOLUTION_MATCH], records, DEAL, Gate.SUBMIT_QUOTATION, "Quotation:Q-3")
	assert [(b.checkpoint, b.record) for b in missing] == [("Solution Match Verification", None)]


def test_submit_gate_by_event_checkpoints_counts_all_their_open_records():
	records = [
		record("Competitor Response Record", RecordStatus.COMPLETED, key="competitor:Acme"),
		record("Competitor Response Record", RecordStatus.PENDING, key="competitor:Globex", name="R9"),
	]
	blocked = submit_blockers([COMPETITOR, CONTRACT], records, DEAL, Gate.SUBMIT_QUOTATION, "Quotation:Q-1")
	assert [b.record for b in blocked] == ["R9"]
	# no competitor, nothing to respond to
	assert submit_blockers([COMPETITOR], [], DEAL, Gate.SUBMIT_QUOTATION, "Quotation:Q-1") == []


def test_submit_gate_rejects_other_gates():
	with pytest.raises(ValueError):
		submit_blockers([], [], DEAL, Gate.LEAVE_STAGE)


# evidence


def texts(requirements, given):
	return [m.text for m in missing_evidence(tuple(requirements), given)]


def test_attachment_and_summary():
	requirements = [
		EvidenceRequirement(EvidenceKind.ATTACHMENT, "the signed requirement confirmation"),
		EvidenceRequirement(EvidenceKind.SUMMARY, "a summary of the needs", min_count=10),
	]
	assert texts(requirements, EvidenceInput()) == [
		"Attach the signed requirement confirmation",
		"Write a summary of the needs",
	]
	assert texts(requirements, EvidenceInput(attachments=1, summary="  too short ")) == [
		"Write a summary of the needs of at least 10 characters (9 so far)"
	]
	assert (
		texts(requirements, EvidenceInput(attachments=1, summary="Needs 40 units of model X by March")) == []
	)


def test_several_attachments():
	requirement = EvidenceRequirement(EvidenceKind.ATTACHMENT, "meeting minutes", min_count=2)
	assert texts([requirement], EvidenceInput(attachments=1)) == [
		"Attach meeting minutes: 2 files needed, 1 attached"
	]


def test_decision_chain_roles():
	requirement = EvidenceRequirement(
		EvidenceKind.DECISION_ROLES, min_count=3, required_roles=("Initiator", "Influencer", "Veto Holder")
	)
	assert texts([requirement], EvidenceInput(decision_roles=("Initiator", "Initiator", "User"))) == [
		"Mark the decision chain: Influencer, Veto Holder missing (2 of 3 roles marked)"
	]
	assert (
		texts([requirement], EvidenceInput(decision_roles=("Initiator", "Influencer", "Veto Holder"))) == []
	)
	any_three = EvidenceRequirement(EvidenceKind.DECISION_ROLES, min_count=3)
	assert texts([any_three], EvidenceInput(decision_roles=("Initiator", "User", ""))) == [
		"Mark at least 3 different roles in the decision chain (2 so far)"
	]


def test_competitor_response_per_competitor():
	requirement = EvidenceRequirement(EvidenceKind.COMPETITOR_RESPONSE)
	given = EvidenceInput(competitor="Globex", competitor_responses=frozenset({"Acme"}))
	assert texts([requirement], given) == ["Record a Sales Competitor Response for Globex"]
	given = EvidenceInput(competitor="Acme", competitor_responses=frozenset({"Acme"}))
	assert texts([requirement], given) == []
	all_of_them = EvidenceInput(
		competitors=frozenset({"Acme", "Globex"}), competitor_responses=frozenset({"Acme"})
	)
	assert texts([requirement], all_of_them) == ["Record a Sales Competitor Response for Globex"]


def test_purchase_match_threshold_and_new_customers():
	requirement = EvidenceRequirement(EvidenceKind.PURCHASE_MATCH, min_ratio=90)
	assert texts([requirement], EvidenceInput(match_ratio=66.67, purchase_history=True)) == [
		"Only 66.67% of the quoted items match the customer's purchase history; 90% is required"
	]
	assert texts([requirement], EvidenceInput(match_ratio=90, purchase_history=True)) == []
	# "no history" is a fact the server found, never read from a missing or zero value
	assert texts([requirement], EvidenceInput(match_ratio=None, purchase_history=False)) == []


@pytest.mark.parametrize(
	"given",
	[
		EvidenceInput(),
		EvidenceInput(match_ratio=None),
		EvidenceInput(match_ratio=0),
		EvidenceInput(match_ratio=100),  # a ratio nobody vouched for
		EvidenceInput(match_ratio=None, purchase_history=True),
	],
)
def test_an_empty_or_unverified_match_is_never_a_pass(given):
	requirement = EvidenceRequirement(EvidenceKind.PURCHASE_MATCH, min_ratio=90)
	assert texts([requirement], given)


def test_a_checkpoint_without_requirements_is_never_complete():
	assert texts([], EvidenceInput(attachments=3, summary="anything")) == [
		"No evidence is configured for this checkpoint: ask a Sales Process Manager to set what it requires, or a Sales Manager to waive it"
	]


@pytest.mark.parametrize(
	"kind",
	[
		EvidenceKind.ATTACHMENT,
		EvidenceKind.SUMMARY,
		EvidenceKind.DECISION_ROLES,
		EvidenceKind.RISK_STRATEGY,
		EvidenceKind.COMPETITOR_RESPONSE,
	],
)
def test_no_evidence_of_any_kind_is_never_read_as_nothing_needed(kind):
	# min_count 0 still means at least one
	assert texts([EvidenceRequirement(kind, min_count=0)], EvidenceInput())


def test_risk_strategy_and_unknown_kinds():
	assert texts([EvidenceRequirement(EvidenceKind.RISK_STRATEGY)], EvidenceInput()) == [
		"Choose a response strategy from the strategy library"
	]
	assert (
		texts(
			[EvidenceRequirement(EvidenceKind.RISK_STRATEGY)], EvidenceInput(risk_strategy="Phase the budget")
		)
		== []
	)
	assert texts([EvidenceRequirement("Telepathy")], EvidenceInput()) == ["Unknown evidence type Telepathy"]


def test_missing_messages_are_translatable_templates():
	(missing,) = missing_evidence((EvidenceRequirement(EvidenceKind.ATTACHMENT, "X"),), EvidenceInput())
	assert missing.template == "Attach {label}"
	assert missing.params == {"label": "X"}


# purchase history match


def test_match_ratio_over_distinct_items():
	result = purchase_history_match(["A", "B", "B", "C"], ["A", "C", "Z"])
	assert result.ratio == pytest.approx(66.67)
	assert result.matched == ("A", "C")
	assert result.unmatched == ("B",)


def test_full_match_and_no_history():
	assert purchase_history_match(["A"], ["A", "B"]).ratio == 100
	no_history = purchase_history_match(["A", "B"], [])
	assert no_history.ratio is None and not no_history.has_history
	assert no_history.unmatched == ("A", "B")
	assert purchase_history_match([], ["A"]).ratio is None


def test_blank_item_codes_are_ignored():
	assert purchase_history_match(["A", "", None, " A "], ["A"]).ratio == 100


def test_completed_on_is_kept_in_records():
	r = RecordState("x", "k", RecordStatus.COMPLETED, completed_on=datetime(2026, 1, 1))
	assert r.closed


def test_history_of_other_items_matches_zero_percent():
	# purchased items may be pre-filtered to the quoted ones; the customer still has history
	result = purchase_history_match(["A", "B"], [], has_history=True)
	assert result.ratio == 0 and result.unmatched == ("A", "B")
	assert purchase_history_match(["A"], ["A"], has_history=False).ratio is None


def test_open_checkpoints_of_stages_behind_the_deal_hold_every_forward_move():
	# created directly at Value Proposition: Requirement Clarification (gates Needs Analysis) is still open
	order = {**ORDER, "Value Proposition": 40}
	records = [record("Requirement Clarification", RecordStatus.PENDING, key="created", name="R1")]
	blockers = leave_stage_blockers(
		[NEEDS], records, DEAL, "Value Proposition", "Proposal/Price Quote", order
	)
	assert [(b.checkpoint, b.record, b.stage) for b in blockers] == [
		("Requirement Clarification", "R1", "Needs Analysis")
	]
	# but a stage behind without any record (passed before the rule existed) holds nothing
	assert (
		leave_stage_blockers(
			[DECISION_CHAIN], [], DEAL, "Negotiation/Review", "Closing", {**ORDER, "Closing": 90}
		)
		== []
	)
	# and moving back stays free
	assert leave_stage_blockers([NEEDS], records, DEAL, "Value Proposition", "Prospecting", order) == []


def test_lists_in_messages_stay_lists_until_they_are_joined():
	(missing,) = missing_evidence(
		(EvidenceRequirement(EvidenceKind.DECISION_ROLES, required_roles=("Initiator", "Veto Holder")),),
		EvidenceInput(),
	)
	assert missing.params["roles"] == ("Initiator", "Veto Holder")
	assert missing.text.startswith("Mark the decision chain: Initiator, Veto Holder missing")
