"""A rep tries to read another team's figures through the reports and the workspace's number cards,
with forged filters, through the same whitelisted methods the desk calls (issue 7: "Reps see
their own rows, managers their team's … in every report, number card and chart")."""

import json
from functools import partial

import frappe
from frappe.desk.query_report import run

from sales_process.engine.rollup import EVERY_REP
from sales_process.process import deal_rollup, number_cards, rollups, strategy_rollup
from sales_process.process.deal_rollup import DEALS, TRAILING
from sales_process.process.objection_rollup import ITEM_GROUPS, OBJECTIONS
from sales_process.process.stage_rollup import STAGES
from sales_process.testing import (
	EnrolledCompanyTestCase,
	as_user,
	client_set_value,
	make_customer,
	make_opportunity,
	make_sales_person,
	make_user,
	rest_delete,
	rest_post,
	rest_put,
)

REP = "sp-adv-report-rep@example.com"
OTHER = "sp-adv-report-other@example.com"
REPORTS = {
	"Process Compliance": [{"group_by": "Rep"}, {"group_by": "Checkpoint"}, {"group_by": "Month"}],
	"Funnel Health": [{"view": "Stages"}, {"view": "Rep × Checkpoint"}],
	"Objection Analysis": [
		{"view": view} for view in ("Top Types", "Trend by Month", "By Stage", "By Item Group", "Strategies")
	],
	"Visit Effectiveness": [{}],
	"Target Back-calculation": [{"target": 1_000_000}],
	"Alert Response Time": [{}],
	"Lead Source Quality": [{}],
}


class TestReportsAsARep(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP, ["Sales User"])
		make_user(OTHER, ["Sales User"])
		cls.rep_person = make_sales_person("_SP Adv Report Rep", REP, cls.company)
		cls.other_person = make_sales_person("_SP Adv Report Other", OTHER, cls.company)
		# the other rep's deal, objection and visit: what the rep must not see
		customer = make_customer()
		cls.other_deal = make_opportunity(cls.company, customer, opportunity_owner=OTHER).name
		frappe.get_doc(
			{
				"doctype": "Sales Objection",
				"reference_doctype": "Opportunity",
				"reference_name": cls.other_deal,
				"customer_words": "太贵了",
			}
		).insert(ignore_permissions=True)
		visit = frappe.get_doc(
			{
				"doctype": "Sales Visit Log",
				"rep": OTHER,
				"party_type": "Customer",
				"party": customer,
				"reference_doctype": "Opportunity",
				"reference_name": cls.other_deal,
				"status": "Checked In",
				"check_in_time": frappe.utils.now_datetime(),
				"geofence_result": "Inside",
			}
		)
		visit.flags.sp_system_write = True
		visit.insert(ignore_permissions=True)

	def setUp(self):
		frappe.set_user("Administrator")

	def period(self):
		today = frappe.utils.getdate()
		return {
			"company": self.company,
			"from_date": str(frappe.utils.add_months(today, -2)),
			"to_date": str(today),
		}

	def rows_naming(self, result, user) -> list:
		"""Rows that name `user` in any column (rep, assigned to …)."""
		return [row for row in result.get("result") or [] if isinstance(row, dict) and user in row.values()]

	def test_a_forged_sales_person_filter_shows_nothing_of_another_team(self):
		for report, variants in REPORTS.items():
			for extra in variants:
				with self.subTest(report=report, **extra), as_user(REP):
					result = run(report, {**self.period(), **extra, "sales_person": self.other_person})
				self.assertFalse(self.rows_naming(result, OTHER))
				figures = [
					row.get(key)
					for row in result.get("result") or []
					if isinstance(row, dict)
					for key in ("visits", "objections", "due", "open_deals", "leads", "alerts")
					if row.get(key)
				]
				self.assertEqual(figures, [], f"{report} {extra} shows another team's figures")

	def test_without_filters_a_rep_reads_only_their_own_rows(self):
		for report, variants in REPORTS.items():
			for extra in variants:
				with self.subTest(report=report, **extra), as_user(REP):
					result = run(report, {**self.period(), **extra})
				self.assertFalse(self.rows_naming(result, OTHER))

	def test_objection_and_visit_counts_leave_out_the_other_team(self):
		with as_user(REP):
			objections = run("Objection Analysis", {**self.period(), "view": "Top Types"})
			visits = run("Visit Effectiveness", self.period())
		self.assertFalse([row for row in objections["result"] if row.get("objections")])
		self.assertFalse([row for row in visits["result"] if row.get("visits")])
		with as_user(OTHER):
			self.assertTrue(
				[row for row in run("Visit Effectiveness", self.period())["result"] if row.get("visits")]
			)

	def test_number_cards_ignore_forged_filters(self):
		forged = json.dumps({"sales_person": self.other_person, "company": self.company})
		with as_user(REP):
			plain = (number_cards.compliance_this_month(), number_cards.stalled_deals())
			with_forged = (number_cards.compliance_this_month(forged), number_cards.stalled_deals(forged))
		self.assertEqual([card["value"] for card in plain], [card["value"] for card in with_forged])
		with as_user(OTHER):
			theirs = number_cards.compliance_this_month()
		self.assertIsNotNone(theirs["value"])

	def test_the_every_rep_rows_a_manager_reads_cannot_be_written_by_a_rep(self):
		"""The rollup rows summed over every rep are what a manager's year reads: a rep cannot add
		one, change one or delete one through any entry point."""
		for rollup in (STAGES, OBJECTIONS, ITEM_GROUPS):
			every = frappe.get_all(
				rollup.doctype,
				filters={"rep": EVERY_REP, "company": self.company},
				fields=["name", *rollup.counts[:1]],
				limit=1,
			)
			self.assertTrue(every, f"{rollup.doctype} has an every-rep row for the test's company")
			name, count = every[0].name, rollup.counts[0]
			before = rollups.stored(rollup)
			month = str(frappe.utils.get_first_day(frappe.utils.getdate()))
			forged = {"month": month, "company": self.company, count: 999}
			attempts = {
				# "*" names no user: the link check refuses it before the permission check
				"REST POST as every rep": (
					frappe.LinkValidationError,
					partial(rest_post, rollup.doctype, {**forged, "rep": EVERY_REP}),
				),
				"REST POST": (
					frappe.PermissionError,
					partial(rest_post, rollup.doctype, {**forged, "rep": REP}),
				),
				"REST PUT": (frappe.PermissionError, partial(rest_put, rollup.doctype, name, {count: 999})),
				"set_value": (
					frappe.PermissionError,
					partial(client_set_value, rollup.doctype, name, count, 999),
				),
				"REST DELETE": (frappe.PermissionError, partial(rest_delete, rollup.doctype, name)),
			}
			for entry, (refusal, attempt) in attempts.items():
				with self.subTest(doctype=rollup.doctype, entry=entry), as_user(REP):
					self.assertRaises(refusal, attempt)
			self.assertEqual(rollups.stored(rollup), before)

	def test_a_rep_cannot_forge_or_read_the_deal_history_behind_target_back_calculation(self):
		"""A rep's rates come from their deals' facts and the monthly sums: inflating their own
		visits or wins, or reading another rep's won amounts, is refused at every entry point."""
		own_deal = make_opportunity(self.company, make_customer(), opportunity_owner=REP).name
		fact_name = deal_rollup.fact_name(own_deal)
		facts_before = deal_rollup.stored_facts([own_deal, self.other_deal])
		self.assertIn(own_deal, facts_before)
		month_row = frappe.get_all(DEALS.doctype, filters={"rep": REP}, pluck="name", limit=1)[0]
		trailing_row = frappe.get_all(TRAILING.doctype, filters={"rep": REP}, pluck="name", limit=1)[0]
		sums_before = rollups.stored(DEALS)
		trailing_before = rollups.stored(TRAILING)
		month = str(frappe.utils.get_first_day(frappe.utils.getdate()))
		attempts = {
			"REST POST a fact": partial(
				rest_post,
				deal_rollup.FACT,
				{"reference_doctype": "Opportunity", "reference_name": own_deal, "visits": 99, "rep": REP},
			),
			"REST PUT a fact": partial(rest_put, deal_rollup.FACT, fact_name, {"visits": 99}),
			"set_value a fact": partial(client_set_value, deal_rollup.FACT, fact_name, "won_amount", 1e9),
			"REST DELETE a fact": partial(rest_delete, deal_rollup.FACT, fact_name),
			"REST POST a month": partial(
				rest_post, DEALS.doctype, {"month": month, "company": self.company, "rep": REP, "won": 50}
			),
			"REST PUT a month": partial(rest_put, DEALS.doctype, month_row, {"won": 50}),
			"REST DELETE a month": partial(rest_delete, DEALS.doctype, month_row),
			"REST POST a trailing year": partial(
				rest_post, TRAILING.doctype, {"month": month, "company": self.company, "rep": REP, "won": 50}
			),
			"REST PUT a trailing year": partial(rest_put, TRAILING.doctype, trailing_row, {"won": 50}),
			"set_value a trailing year": partial(client_set_value, TRAILING.doctype, trailing_row, "won", 50),
			"REST DELETE a trailing year": partial(rest_delete, TRAILING.doctype, trailing_row),
			"read the trailing years": partial(
				frappe.get_list, TRAILING.doctype, filters={"rep": OTHER}, fields=["won_amount"]
			),
			"read another rep's facts": partial(
				frappe.get_list, deal_rollup.FACT, filters={"rep": OTHER}, fields=["won_amount"]
			),
		}
		for entry, attempt in attempts.items():
			with self.subTest(entry=entry), as_user(REP):
				self.assertRaises(frappe.PermissionError, attempt)
		self.assertEqual(deal_rollup.stored_facts([own_deal, self.other_deal]), facts_before)
		self.assertEqual(rollups.stored(DEALS), sums_before)
		self.assertEqual(rollups.stored(TRAILING), trailing_before)

	def test_a_rep_cannot_forge_the_strategy_uses_or_the_item_groups_behind_objection_analysis(self):
		"""A rep's strategy win rates come from the stored uses and their monthly sums, the item-group
		view from the item groups stamped on each objection: none of them can be written by a rep."""
		# the rep's own objection would show in the other tests' "sees nothing of the other team"
		frappe.db.savepoint("strategy_forgery")
		self.addCleanup(frappe.db.rollback, save_point="strategy_forgery")
		own_deal = make_opportunity(self.company, make_customer(), opportunity_owner=REP).name
		strategy = frappe.get_all("Sales Response Strategy", pluck="name", limit=1)[0]
		objection = frappe.get_doc(
			{
				"doctype": "Sales Objection",
				"reference_doctype": "Opportunity",
				"reference_name": own_deal,
				"customer_words": "adversary strategy words",
				"strategy": strategy,
			}
		).insert(ignore_permissions=True)
		uses_before = strategy_rollup.stored_uses([own_deal, self.other_deal])
		self.assertIn((own_deal, strategy), uses_before)
		use_name = strategy_rollup.use_name(own_deal, strategy)
		month_row = frappe.get_all(strategy_rollup.ROLLUP, filters={"rep": REP}, pluck="name", limit=1)[0]
		sums_before = rollups.stored(strategy_rollup.USES)
		item_sums_before = rollups.stored(ITEM_GROUPS)
		month = str(frappe.utils.get_first_day(frappe.utils.getdate()))
		attempts = {
			"REST POST a use": partial(
				rest_post,
				strategy_rollup.USE,
				{
					"reference_doctype": "Opportunity",
					"reference_name": own_deal,
					"strategy": strategy,
					"outcome": "Won",
				},
			),
			"REST PUT a use": partial(rest_put, strategy_rollup.USE, use_name, {"outcome": "Won"}),
			"set_value a use": partial(client_set_value, strategy_rollup.USE, use_name, "outcome", "Won"),
			"REST DELETE a use": partial(rest_delete, strategy_rollup.USE, use_name),
			"REST POST a month": partial(
				rest_post,
				strategy_rollup.ROLLUP,
				{"month": month, "company": self.company, "rep": REP, "strategy": strategy, "deals_won": 50},
			),
			"REST PUT a month": partial(rest_put, strategy_rollup.ROLLUP, month_row, {"deals_won": 50}),
			"REST DELETE a month": partial(rest_delete, strategy_rollup.ROLLUP, month_row),
			"REST POST an item-group month": partial(
				rest_post,
				ITEM_GROUPS.doctype,
				{
					"month": month,
					"company": self.company,
					"rep": REP,
					"item_group": "All Item Groups",
					"objections": 9,
				},
			),
			"read another rep's uses": partial(
				frappe.get_list, strategy_rollup.USE, filters={"rep": OTHER}, fields=["outcome"]
			),
		}
		for entry, attempt in attempts.items():
			with self.subTest(entry=entry), as_user(REP):
				self.assertRaises(frappe.PermissionError, attempt)
		# the objection is the rep's own: a save goes through, the stamped item groups do not change
		stamped = frappe.db.get_value("Sales Objection", objection.name, "item_groups")
		with as_user(REP):
			rest_put("Sales Objection", objection.name, {"item_groups": "Forged Group"})
			client_set_value("Sales Objection", objection.name, "item_groups", "Forged Group")
		self.assertEqual(frappe.db.get_value("Sales Objection", objection.name, "item_groups"), stamped)
		self.assertEqual(strategy_rollup.stored_uses([own_deal, self.other_deal]), uses_before)
		self.assertEqual(rollups.stored(strategy_rollup.USES), sums_before)
		self.assertEqual(rollups.stored(ITEM_GROUPS), item_sums_before)
