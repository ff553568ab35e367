"""Target Back-calculation's default history from one row per rep and furthest stage: the trailing
rows follow every change of a deal's facts, equal a rebuild, and give the same sums as the twelve
months of Sales Deal Month and as the fact rows counted by the database.

Run: CI=1 bench --site <site> run-tests --module sales_process.sales_process.doctype.sales_deal_trailing_year.test_sales_deal_trailing_year
"""

from datetime import datetime, timedelta

import frappe
from frappe.utils import add_months, get_first_day, getdate, now_datetime

from sales_process.engine.rollup import total
from sales_process.process import deal_rollup, outcomes, rollups, stage_log
from sales_process.process.deal_rollup import DEALS, TRAILING
from sales_process.process.report_scope import ReportScope
from sales_process.testing import EnrolledCompanyTestCase, make_opportunity, make_user

REP = "sp-trailing-rep@example.com"
OTHER = "sp-trailing-other@example.com"


def plain(sums: dict) -> dict:
	return {key: change.without_zeros().counts for key, change in sums.items() if not change.is_zero()}


class TestDealTrailingYear(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP, ["Sales User"])
		make_user(OTHER, ["Sales User"])

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.db.savepoint("trailing_test")
		self.addCleanup(frappe.db.rollback, save_point="trailing_test")

	def mine(self, rollup) -> dict:
		return plain(
			{key: change for key, change in rollups.stored(rollup).items() if key[2] in (REP, OTHER)}
		)

	def rebuilt(self, rollup) -> dict:
		fact = frappe.qb.DocType(deal_rollup.FACT)
		rows = (
			frappe.qb.from_(fact)
			.select(*(fact[field] for field in rollup.fields))
			.where(fact.rep.isin([REP, OTHER]))
			.run(as_dict=True)
		)
		return plain(total(rollup.contributions(rows)))

	def work_deals(self):
		won, lost, open_deal = (
			make_opportunity(self.company, opportunity_owner=REP, opportunity_amount=1_500).name
			for _ in range(3)
		)
		for deal in (won, lost):
			stage_log.log_position(
				"Opportunity", deal, stage_log.Position("Qualification", "Open"), "Opportunity"
			)
		outcomes.mark_won(won, now_datetime() + timedelta(days=4))
		stage_log.log_position(
			"Opportunity", lost, stage_log.Position("Qualification", "Lost"), "Opportunity"
		)
		return won, lost, open_deal

	def test_every_change_of_a_deal_moves_its_twelve_rows_as_a_rebuild_counts_them(self):
		won, _lost, open_deal = self.work_deals()
		self.assertTrue(self.mine(TRAILING))
		self.assertEqual(self.mine(TRAILING), self.rebuilt(TRAILING))
		this_month = getdate(get_first_day(now_datetime()))
		months = {key[0] for key in self.mine(TRAILING)}
		self.assertEqual(months, {getdate(add_months(this_month, step)) for step in range(1, 13)})
		# reopened and reassigned: the rows move by what changed
		outcomes.mark_open(won)
		doc = frappe.get_doc("Opportunity", open_deal)
		doc.opportunity_owner = OTHER
		doc.save(ignore_permissions=True)
		self.assertEqual(self.mine(TRAILING), self.rebuilt(TRAILING))
		frappe.delete_doc("Opportunity", open_deal, ignore_permissions=True, force=True)
		self.assertEqual(self.mine(TRAILING), self.rebuilt(TRAILING))

	def test_a_years_history_reads_the_same_from_one_trailing_row_as_from_twelve_months(self):
		self.work_deals()
		now = now_datetime()
		next_month = datetime.combine(getdate(add_months(get_first_day(now), 1)), datetime.min.time())
		start = datetime.combine(getdate(add_months(next_month, -12)), datetime.min.time())
		scope = ReportScope(
			company=self.company, from_date=next_month.date(), to_date=next_month.date(), reps=[REP]
		)
		months = [getdate(add_months(start, step)) for step in range(12)]
		from_months = plain(deal_rollup._month_sums(scope, months, deal_rollup.ROLLUP).as_changes())
		from_trailing = plain(
			deal_rollup._month_sums(scope, [next_month.date()], deal_rollup.TRAILING_ROLLUP).as_changes()
		)
		from_facts = plain(deal_rollup.fact_sums(scope, [(start, next_month, 1)]))
		self.assertTrue(from_facts)
		self.maxDiff = None
		self.assertEqual(from_trailing, from_months)
		self.assertEqual(from_trailing, from_facts)
		# the report's reader takes the trailing row for these twelve months
		self.assertEqual(
			plain(deal_rollup.history_sums(scope, start, next_month, now).as_changes()), from_facts
		)

	def test_the_trailing_rollup_is_rebuilt_with_the_others(self):
		self.work_deals()
		before = self.mine(TRAILING)
		deal_rollup.rebuild()
		self.assertEqual(self.mine(TRAILING), before)
		self.assertEqual(self.mine(DEALS), self.rebuilt(DEALS))
