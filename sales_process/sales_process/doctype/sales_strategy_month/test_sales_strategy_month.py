"""The strategy rollup follows every use, equals a rebuild, and its SQL over the uses equals the
engine's contribution."""

from datetime import timedelta

import frappe
from frappe.utils import now_datetime

from sales_process.engine.rollup import EVERY_REP, total
from sales_process.engine.strategy_uses import STRATEGY_ROLLUP_COUNTS
from sales_process.process import outcomes, rollups, strategy_rollup
from sales_process.process.report_scope import ReportScope
from sales_process.process.strategy_rollup import USES
from sales_process.testing import EnrolledCompanyTestCase, every_rep_rows_and_their_sums, make_opportunity

STRATEGY = "_SP SM Bundle"


class TestStrategyMonth(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		if not frappe.db.exists("Sales Response Strategy", STRATEGY):
			frappe.get_doc({"doctype": "Sales Response Strategy", "strategy_name": STRATEGY}).insert(
				ignore_permissions=True
			)

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.db.savepoint("strategy_month_test")
		self.addCleanup(frappe.db.rollback, save_point="strategy_month_test")

	def answered_deal(self):
		deal = make_opportunity(self.company).name
		frappe.get_doc(
			{
				"doctype": "Sales Objection",
				"reference_doctype": "Opportunity",
				"reference_name": deal,
				"customer_words": "strategy month words",
				"strategy": STRATEGY,
			}
		).insert(ignore_permissions=True)
		return deal

	def test_the_rollup_follows_uses_and_equals_a_rebuild(self):
		won, lost, open_ = (self.answered_deal() for _ in range(3))
		outcomes.mark_won(won, now_datetime())
		frappe.db.set_value("Opportunity", lost, "sp_lost_on", now_datetime())
		strategy_rollup.refresh([lost])
		stored = rollups.stored(USES)
		every, summed = every_rep_rows_and_their_sums(USES)
		self.assertEqual(every, summed)
		strategy_rollup.rebuild()
		self.assertEqual(rollups.stored(USES), stored)
		mine = {
			key: change
			for key, change in stored.items()
			if key[1] == self.company and key[2] == EVERY_REP and key[3] == STRATEGY
		}
		counts = total_counts(mine.values())
		self.assertEqual(
			(counts["deals_used"], counts["deals_won"], counts["deals_lost"], counts["still_open"]),
			(3, 1, 1, 1),
		)
		self.assertEqual(strategy_rollup.stored_uses([open_])[(open_, STRATEGY)]["outcome"], "Open")

	def test_sql_over_the_uses_equals_the_engine(self):
		for deal in [self.answered_deal() for _ in range(2)]:
			outcomes.mark_won(deal, now_datetime())
		self.answered_deal()
		start, end = now_datetime() - timedelta(days=1), now_datetime() + timedelta(days=1)
		scope = ReportScope(company=self.company, from_date=start.date(), to_date=end.date())
		sql = {
			row["strategy"]: {name: int(row[name]) for name in STRATEGY_ROLLUP_COUNTS}
			for row in strategy_rollup._use_sums(scope, start, end)
		}
		uses = frappe.get_all(
			"Sales Strategy Use",
			filters={"company": self.company, "first_used_on": ["between", [start, end]]},
			fields=list(strategy_rollup.USE_FIELDS),
		)
		engine = {}
		for key, change in total(item for use in uses for item in USES.contribution(use)).items():
			counts = engine.setdefault(key[3], dict.fromkeys(STRATEGY_ROLLUP_COUNTS, 0))
			for name, value in change.counts.items():
				counts[name] += value
		self.assertEqual(sql, engine)
		self.assertEqual(sql[STRATEGY]["deals_won"], 2)


def total_counts(changes) -> dict:
	counts = dict.fromkeys(STRATEGY_ROLLUP_COUNTS, 0)
	for change in changes:
		for name, value in change.counts.items():
			counts[name] += value
	return counts
