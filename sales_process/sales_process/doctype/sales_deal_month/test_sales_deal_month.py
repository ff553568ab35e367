"""The deal-history rollup follows every change of a deal's facts, equals a rebuild, and the SQL
that counts a part of a month from the fact rows agrees with the engine's contribution."""

from datetime import datetime, timedelta

import frappe

from sales_process.engine.rollup import Change, total
from sales_process.process import deal_rollup, outcomes, rollups, stage_log
from sales_process.process.deal_rollup import DEALS
from sales_process.process.report_scope import ReportScope
from sales_process.testing import EnrolledCompanyTestCase, make_opportunity, make_user

REP = "sp-deal-month-rep@example.com"
OTHER = "sp-deal-month-other@example.com"


class TestDealRollup(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP, ["Sales User"])
		make_user(OTHER, ["Sales User"])

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.db.savepoint("deal_month_test")
		self.addCleanup(frappe.db.rollback, save_point="deal_month_test")

	def mine(self) -> dict:
		return {key: change for key, change in rollups.stored(DEALS).items() if key[2] in (REP, OTHER)}

	def rebuilt(self) -> dict:
		fact = frappe.qb.DocType(deal_rollup.FACT)
		rows = (
			frappe.qb.from_(fact)
			.select(*(fact[field] for field in DEALS.fields))
			.where(fact.rep.isin([REP, OTHER]))
			.run(as_dict=True)
		)
		return total(DEALS.contributions(rows))

	def deals(self, count=3, **fields):
		return [make_opportunity(self.company, opportunity_owner=REP, **fields).name for _ in range(count)]

	def test_moves_outcomes_and_reassignment_keep_the_rollup_exact(self):
		won, lost, open_deal = self.deals(opportunity_amount=1_000)
		self.assertEqual(self.mine(), self.rebuilt())
		for deal in (won, lost):
			stage_log.log_position(
				"Opportunity", deal, stage_log.Position("Qualification", "Open"), "Opportunity"
			)
		outcomes.mark_won(won, frappe.utils.now_datetime() + timedelta(days=3))
		stage_log.log_position(
			"Opportunity", lost, stage_log.Position("Qualification", "Lost"), "Opportunity"
		)
		self.assertEqual(self.mine(), self.rebuilt())
		month = frappe.utils.getdate(frappe.utils.get_first_day(frappe.utils.today()))
		cycle = self.mine()[(month, self.company, REP, deal_rollup.CYCLE_ROW)]
		self.assertEqual(sum(cycle.counts.values()), 1)  # one won deal's cycle
		outcomes.mark_open(won)
		doc = frappe.get_doc("Opportunity", open_deal)
		doc.opportunity_owner = OTHER
		doc.save(ignore_permissions=True)
		self.assertEqual(self.mine(), self.rebuilt())
		self.assertNotIn((month, self.company, REP, deal_rollup.CYCLE_ROW), self.mine())

	def test_the_database_counts_fact_rows_as_the_rollup_does(self):
		won, lost, _open = self.deals(opportunity_amount=2_500)
		stage_log.log_position(
			"Opportunity", won, stage_log.Position("Needs Analysis", "Open"), "Opportunity"
		)
		outcomes.mark_won(won, frappe.utils.now_datetime() + timedelta(days=20))
		stage_log.log_position("Opportunity", lost, stage_log.Position("Prospecting", "Lost"), "Opportunity")
		expected: dict = {}
		for (_month, _company, rep, furthest), change in self.rebuilt().items():
			if rep == REP:
				expected.setdefault((rep, furthest), Change()).add(change)
		now = frappe.utils.now_datetime()
		scope = ReportScope(company=self.company, from_date=now.date(), to_date=now.date(), reps=[REP])
		start = datetime.combine(now.date(), datetime.min.time())
		found = deal_rollup.fact_sums(scope, [(start, now + timedelta(seconds=1), 1)])
		plain = lambda sums: {key: change.without_zeros().counts for key, change in sums.items()}  # noqa: E731
		self.maxDiff = None
		self.assertEqual(plain(found), plain(expected))
		# the rollup's months and the signed parts give the same sums
		self.assertEqual(
			plain(deal_rollup.history_sums(scope, start, now + timedelta(seconds=1), now).as_changes()),
			plain(expected),
		)
