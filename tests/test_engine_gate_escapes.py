"""Every way a rep tried to get a deal past a gate (issue 11), as engine rules.

A record that has started keeps its gate until it is completed, waived or
cancelled, whatever the deal's fields become; a checkpoint that has not started
is judged on what the deal is, was before this change, or ever was.
"""

import pytest

from sales_process.engine.gate import gets_past, leave_stage_blockers, stages_skipped, submit_blockers
from sales_process.engine.rules import (
	CheckpointRule,
	DealSnapshot,
	Gate,
	RecordState,
	RecordStatus,
	Trigger,
	applies_to,
	remembered_scope,
)
from sales_process.engine.triggers import checkpoints_triggered, origin_stage

ORDER = {
	"Prospecting": 10,
	"Qualification": 20,
	"Needs Analysis": 30,
	"Proposal/Price Quote": 70,
	"Negotiation/Review": 80,
}
DECISION_CHAIN = CheckpointRule(
	"Decision Chain Mapping",
	Trigger.ENTERS_STAGE,
	trigger_stage="Proposal/Price Quote",
	gate=Gate.LEAVE_STAGE,
)
REQUIREMENT = CheckpointRule(
	"Requirement Clarification",
	Trigger.OPPORTUNITY_CREATED,
	gate=Gate.LEAVE_STAGE,
	gate_stage="Needs Analysis",
)
LINE_TAKT = CheckpointRule(
	"Line Takt Analysis",
	Trigger.ENTERS_STAGE,
	trigger_stage="Needs Analysis",
	gate=Gate.LEAVE_STAGE,
	scope={"industry": frozenset({"Auto Parts"})},
)
SOLUTION_MATCH = CheckpointRule(
	"Solution Match Verification",
	Trigger.QUOTATION_DRAFTED,
	gate=Gate.SUBMIT_QUOTATION,
	scope={"customer_group": frozenset({"Commercial"})},
)
OPEN_DCM = RecordState(
	"Decision Chain Mapping", "stage:Proposal/Price Quote", RecordStatus.PENDING, name="R1"
)


def deal(stage, **attributes):
	return DealSnapshot(stage=stage, attributes=attributes)


def blocked(*args, **kwargs):
	return [(b.checkpoint, b.record) for b in leave_stage_blockers(*args, **kwargs)]


def test_clearing_the_stage_is_held_by_an_open_gate():
	assert blocked([DECISION_CHAIN], [OPEN_DCM], deal(None), "Proposal/Price Quote", None, ORDER) == [
		("Decision Chain Mapping", "R1")
	]


def test_setting_a_later_stage_after_clearing_it_is_held():
	# the stage was cleared in an earlier save (with no gate open then); the deal was last in Proposal
	assert blocked(
		[DECISION_CHAIN],
		[OPEN_DCM],
		deal("Negotiation/Review"),
		None,
		"Negotiation/Review",
		ORDER,
		last_ordered_stage="Proposal/Price Quote",
	) == [("Decision Chain Mapping", "R1")]
	# and without any record: from a cleared stage, the stages in between still start first
	assert blocked(
		[DECISION_CHAIN], [], deal("Negotiation/Review"), None, "Negotiation/Review", ORDER,
		last_ordered_stage="Needs Analysis",
	) == [("Decision Chain Mapping", None)]  # fmt: skip


def test_a_deal_that_never_had_an_ordered_stage_skips_every_stage_before():
	assert blocked([DECISION_CHAIN], [], deal("Negotiation/Review"), None, "Negotiation/Review", ORDER) == [
		("Decision Chain Mapping", None)
	]


@pytest.mark.parametrize("unordered", ["Demo", "Custom Stage"])
def test_passing_through_a_stage_without_an_order_is_held(unordered):
	# Proposal → Demo (no order): the open gate holds
	assert blocked([DECISION_CHAIN], [OPEN_DCM], deal(unordered), "Proposal/Price Quote", unordered, ORDER)
	# Proposal → back to Qualification (free) → Demo → Negotiation: held at each forward step
	assert blocked([DECISION_CHAIN], [OPEN_DCM], deal(unordered), "Qualification", unordered, ORDER)
	assert blocked(
		[DECISION_CHAIN], [OPEN_DCM], deal("Negotiation/Review"), unordered, "Negotiation/Review", ORDER,
		last_ordered_stage="Qualification",
	)  # fmt: skip


def test_moving_back_is_free_even_from_a_stage_without_an_order():
	assert (
		blocked(
			[DECISION_CHAIN], [OPEN_DCM], deal("Qualification"), "Demo", "Qualification", ORDER,
			last_ordered_stage="Proposal/Price Quote",
		)
		== []
	)  # fmt: skip


def test_moving_forward_up_to_the_gated_stage_is_free():
	assert (
		blocked(
			[DECISION_CHAIN], [OPEN_DCM], deal("Needs Analysis"), "Qualification", "Needs Analysis", ORDER
		)
		== []
	)


def test_changing_the_industry_in_the_same_save_does_not_lift_a_skipped_gate():
	before = deal("Qualification", industry="Auto Parts")
	after = deal("Proposal/Price Quote", industry="Retail")
	assert blocked([LINE_TAKT], [], after, "Qualification", "Proposal/Price Quote", ORDER, before=before) == [
		("Line Takt Analysis", None)
	]
	# judged on the incoming save alone it would have passed
	assert blocked([LINE_TAKT], [], after, "Qualification", "Proposal/Price Quote", ORDER) == []


def test_what_the_deal_ever_was_keeps_a_checkpoint_applicable():
	remembered = DealSnapshot(
		stage="Proposal/Price Quote",
		attributes={"industry": "Retail"},
		past_attributes={"industry": frozenset({"Auto Parts"})},
	)
	assert applies_to(LINE_TAKT, remembered)
	assert blocked([LINE_TAKT], [], remembered, "Qualification", "Proposal/Price Quote", ORDER)


def test_a_condition_that_cannot_be_evaluated_never_opens_a_started_gate():
	never = lambda rule: False  # noqa: E731 — e.g. the condition raised on this deal
	assert blocked(
		[DECISION_CHAIN], [OPEN_DCM], deal("Negotiation/Review"), "Proposal/Price Quote", "Negotiation/Review",
		ORDER, condition_holds=never,
	) == [("Decision Chain Mapping", "R1")]  # fmt: skip
	# and it never blocks a deal the checkpoint has not started on
	assert (
		blocked(
			[DECISION_CHAIN],
			[],
			deal("Negotiation/Review"),
			"Needs Analysis",
			"Negotiation/Review",
			ORDER,
			condition_holds=never,
		)
		== []
	)


def test_a_gate_on_a_stage_without_an_order_holds_every_move_but_into_it():
	assert gets_past("Demo", "Negotiation/Review", ORDER)
	assert not gets_past("Demo", "Demo", ORDER)
	assert gets_past("Proposal/Price Quote", None, ORDER)
	assert not gets_past("Proposal/Price Quote", "Needs Analysis", ORDER)


def test_origin_and_skipped_stages():
	assert origin_stage("Demo", ORDER, "Qualification") == "Qualification"
	assert origin_stage(None, ORDER, "Not A Stage") is None
	assert stages_skipped("Qualification", "Proposal/Price Quote", ORDER) == {"Needs Analysis"}
	assert stages_skipped(None, "Needs Analysis", ORDER) == {"Prospecting", "Qualification"}
	assert stages_skipped("Qualification", "Demo", ORDER) == set()


def test_a_started_submit_record_holds_whatever_the_deal_becomes():
	record = RecordState("Solution Match Verification", "Quotation:Q-1", RecordStatus.PENDING, name="R5")
	retail = deal("Proposal/Price Quote", customer_group="Individual")
	assert [
		b.record
		for b in submit_blockers([SOLUTION_MATCH], [record], retail, Gate.SUBMIT_QUOTATION, "Quotation:Q-1")
	] == ["R5"]


def test_an_unstarted_submit_checkpoint_is_judged_on_what_the_deal_was():
	before = deal("Proposal/Price Quote", customer_group="Commercial")
	after = deal("Proposal/Price Quote", customer_group="Individual")
	assert submit_blockers([SOLUTION_MATCH], [], after, Gate.SUBMIT_QUOTATION, "Quotation:Q-2") == []
	assert [
		b.checkpoint
		for b in submit_blockers(
			[SOLUTION_MATCH], [], after, Gate.SUBMIT_QUOTATION, "Quotation:Q-2", before=before
		)
	] == ["Solution Match Verification"]


def test_triggers_use_what_the_deal_was_too():
	before = deal("Qualification", industry="Auto Parts")
	after = deal("Needs Analysis", industry="Retail")
	from datetime import datetime

	started = checkpoints_triggered([LINE_TAKT], before, after, datetime(2026, 11, 25, 9), stage_order=ORDER)
	assert [s.checkpoint for s in started] == ["Line Takt Analysis"]


def test_triggers_from_a_cleared_stage_move_on_from_the_last_ordered_stage():
	from datetime import datetime

	started = checkpoints_triggered(
		[DECISION_CHAIN, LINE_TAKT],
		deal(None, industry="Auto Parts"),
		deal("Negotiation/Review", industry="Auto Parts"),
		datetime(2026, 11, 25, 9),
		stage_order=ORDER,
		last_ordered_stage="Needs Analysis",
	)
	# Needs Analysis was the origin (not entered again); Proposal was skipped
	assert [s.checkpoint for s in started] == ["Decision Chain Mapping"]


def test_scope_memory_collects_every_value_the_deal_had():
	memory = remembered_scope(
		{"industry": ["Auto Parts"]}, {"industry": "Retail", "territory": None}, {"territory": "China"}
	)
	assert memory == {"industry": ["Auto Parts", "Retail"], "territory": ["China"]}
	assert remembered_scope(None) == {}


def test_a_deal_created_past_a_gate_would_skip_it():
	from sales_process.engine.gate import creation_blockers

	late = deal("Negotiation/Review")
	assert [
		(b.checkpoint, b.stage) for b in creation_blockers([DECISION_CHAIN, REQUIREMENT], late, ORDER)
	] == [
		("Decision Chain Mapping", "Proposal/Price Quote"),
		("Requirement Clarification", "Needs Analysis"),
	]
	# created in the gated stage itself, or before it: nothing is skipped yet
	assert creation_blockers([DECISION_CHAIN, REQUIREMENT], deal("Needs Analysis"), ORDER) == []
	assert [
		b.checkpoint
		for b in creation_blockers([DECISION_CHAIN, REQUIREMENT], deal("Proposal/Price Quote"), ORDER)
	] == ["Requirement Clarification"]
	# without a stage, or at a stage without an order... a stage without an order is past every gate
	assert creation_blockers([DECISION_CHAIN], deal(None), ORDER) == []
	assert [b.checkpoint for b in creation_blockers([REQUIREMENT], deal("Demo"), ORDER)] == [
		"Requirement Clarification"
	]
