from datetime import datetime, timedelta

import pytest

from sales_process.engine.rules import CheckpointRule, DealSnapshot, Gate, RecordStatus, Trigger, applies
from sales_process.engine.status import live_status
from sales_process.engine.triggers import checkpoints_triggered, stages_entered

NOW = datetime(2026, 11, 23, 10, 0)
ORDER = {
	"Prospecting": 10,
	"Qualification": 20,
	"Needs Analysis": 30,
	"Proposal/Price Quote": 70,
	"Negotiation/Review": 80,
}

CREATED = CheckpointRule("Requirement Clarification", Trigger.OPPORTUNITY_CREATED, due_value=48)
PROPOSAL = CheckpointRule(
	"Decision Chain Mapping",
	Trigger.ENTERS_STAGE,
	trigger_stage="Proposal/Price Quote",
	gate=Gate.LEAVE_STAGE,
	due_value=5,
	due_unit="Working Days",
)
COMPETITOR = CheckpointRule("Competitor Response Record", Trigger.COMPETITOR_ADDED, due_value=24)
AUTO_PARTS = CheckpointRule(
	"Line Takt Analysis",
	Trigger.OPPORTUNITY_CREATED,
	scope={"industry": frozenset({"Auto Parts"})},
	due_value=72,
)


def deal(stage="Prospecting", competitors=(), **attributes):
	return DealSnapshot(stage=stage, status="Open", attributes=attributes, competitors=frozenset(competitors))


def keys(started):
	return [(s.checkpoint, s.trigger_key) for s in started]


def test_scope_limits_a_rule_to_listed_values():
	assert applies(AUTO_PARTS, {"industry": "Auto Parts"})
	assert not applies(AUTO_PARTS, {"industry": "Food Packaging"})
	# unknown industry is outside a rule limited by industry
	assert not applies(AUTO_PARTS, {"industry": None})
	assert applies(CREATED, {})


def test_empty_scope_dimension_means_everyone():
	rule = CheckpointRule("x", Trigger.OPPORTUNITY_CREATED, scope={"territory": frozenset()})
	assert applies(rule, {"territory": "China"})


def test_disabled_rules_never_apply():
	rule = CheckpointRule("x", Trigger.OPPORTUNITY_CREATED, enabled=False)
	assert not applies(rule, {})
	assert checkpoints_triggered([rule], None, deal(), NOW) == []


def test_creation_starts_creation_and_stage_checkpoints_with_due_times():
	started = checkpoints_triggered(
		[CREATED, PROPOSAL], None, deal("Proposal/Price Quote"), NOW, stage_order=ORDER
	)
	assert keys(started) == [
		("Requirement Clarification", "created"),
		("Decision Chain Mapping", "stage:Proposal/Price Quote"),
	]
	assert started[0].due_on == NOW + timedelta(hours=48)
	# Monday + 5 working days
	assert started[1].due_on == datetime(2026, 11, 30, 10, 0)


def test_industry_makes_an_extra_checkpoint_mandatory():
	started = checkpoints_triggered([CREATED, AUTO_PARTS], None, deal(industry="Auto Parts"), NOW)
	assert [s.checkpoint for s in started] == ["Requirement Clarification", "Line Takt Analysis"]
	started = checkpoints_triggered([CREATED, AUTO_PARTS], None, deal(industry="Retail"), NOW)
	assert [s.checkpoint for s in started] == ["Requirement Clarification"]


def test_saving_again_starts_nothing_new():
	before = deal("Needs Analysis")
	assert checkpoints_triggered([CREATED, PROPOSAL], before, before, NOW, stage_order=ORDER) == []


def test_reentering_a_stage_does_not_duplicate_its_record():
	existing = {("Decision Chain Mapping", "stage:Proposal/Price Quote")}
	started = checkpoints_triggered(
		[PROPOSAL],
		deal("Needs Analysis"),
		deal("Proposal/Price Quote"),
		NOW,
		existing=existing,
		stage_order=ORDER,
	)
	assert started == []


def test_skipping_a_stage_still_starts_its_checkpoints():
	started = checkpoints_triggered(
		[PROPOSAL], deal("Qualification"), deal("Negotiation/Review"), NOW, stage_order=ORDER
	)
	assert keys(started) == [("Decision Chain Mapping", "stage:Proposal/Price Quote")]


def test_moving_back_enters_only_the_target_stage():
	assert stages_entered("Negotiation/Review", "Qualification", ORDER) == ["Qualification"]
	assert stages_entered("Qualification", "Negotiation/Review", ORDER) == [
		"Needs Analysis",
		"Proposal/Price Quote",
		"Negotiation/Review",
	]
	assert stages_entered("Qualification", "Qualification", ORDER) == []
	# a stage without an order is simply entered
	assert stages_entered("Qualification", "Custom Stage", ORDER) == ["Custom Stage"]


def test_each_new_competitor_starts_its_own_record():
	before = deal(competitors=["Acme"])
	after = deal(competitors=["Acme", "Globex", "Initech"])
	started = checkpoints_triggered([COMPETITOR], before, after, NOW)
	assert keys(started) == [
		("Competitor Response Record", "competitor:Globex"),
		("Competitor Response Record", "competitor:Initech"),
	]
	assert started[0].due_on == NOW + timedelta(hours=24)


def test_competitors_present_at_creation_count_as_added():
	started = checkpoints_triggered([COMPETITOR], None, deal(competitors=["Acme"]), NOW)
	assert keys(started) == [("Competitor Response Record", "competitor:Acme")]


def test_explicit_events_start_document_and_risk_checkpoints():
	quote_check = CheckpointRule("Solution Match Verification", Trigger.QUOTATION_DRAFTED, due_value=72)
	risk = CheckpointRule("Risk Pre-registration", Trigger.RISK_SIGNAL, due_value=0)
	events = [(Trigger.QUOTATION_DRAFTED, "Quotation:Q-1"), (Trigger.RISK_SIGNAL, "risk:Budget")]
	before = deal()
	started = checkpoints_triggered([quote_check, risk], before, before, NOW, events=events)
	assert keys(started) == [
		("Solution Match Verification", "Quotation:Q-1"),
		("Risk Pre-registration", "risk:Budget"),
	]
	assert started[1].due_on == NOW


def test_condition_rules_use_the_callers_predicate():
	rule = CheckpointRule("Big deal review", Trigger.CONDITION, due_value=24)
	before = deal()
	assert checkpoints_triggered([rule], before, before, NOW, condition_holds=lambda r: False) == []
	started = checkpoints_triggered([rule], before, before, NOW, condition_holds=lambda r: True)
	assert keys(started) == [("Big deal review", "condition")]
	# without a predicate, condition rules never fire
	assert checkpoints_triggered([rule], before, before, NOW) == []


@pytest.mark.parametrize(
	"now, expected",
	[
		(datetime(2026, 11, 23, 10, 0), RecordStatus.PENDING),
		(datetime(2026, 11, 24, 21, 59), RecordStatus.PENDING),
		(datetime(2026, 11, 24, 22, 0), RecordStatus.DUE_SOON),  # 75 % of 48 h used
		(datetime(2026, 11, 25, 10, 0), RecordStatus.DUE_SOON),  # exactly at the deadline
		(datetime(2026, 11, 25, 10, 1), RecordStatus.OVERDUE),
	],
)
def test_traffic_light_follows_the_window(now, expected):
	assert live_status(RecordStatus.PENDING, NOW, NOW + timedelta(hours=48), now) == expected


def test_closed_records_keep_their_status():
	late = NOW + timedelta(days=30)
	for status in RecordStatus.CLOSED:
		assert live_status(status, NOW, NOW + timedelta(hours=1), late) == status


def test_an_immediate_window_is_due_soon_then_overdue():
	assert live_status(RecordStatus.PENDING, NOW, NOW, NOW) == RecordStatus.DUE_SOON
	assert live_status(RecordStatus.PENDING, NOW, NOW, NOW + timedelta(seconds=1)) == RecordStatus.OVERDUE


def test_record_without_due_time_stays_pending():
	assert live_status(RecordStatus.PENDING, NOW, None, NOW + timedelta(days=99)) == RecordStatus.PENDING


def test_a_deal_created_at_a_later_stage_starts_the_checkpoints_of_the_stages_it_passed():
	assert stages_entered(None, "Proposal/Price Quote", ORDER) == [
		"Prospecting",
		"Qualification",
		"Needs Analysis",
		"Proposal/Price Quote",
	]
	started = checkpoints_triggered([PROPOSAL], None, deal("Negotiation/Review"), NOW, stage_order=ORDER)
	assert keys(started) == [("Decision Chain Mapping", "stage:Proposal/Price Quote")]
	# an unordered stage has nothing before it
	assert stages_entered(None, "Custom Stage", ORDER) == ["Custom Stage"]
