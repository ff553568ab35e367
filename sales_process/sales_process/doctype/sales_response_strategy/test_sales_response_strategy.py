import frappe

from sales_process.testing import SalesProcessTestCase


class TestSalesResponseStrategy(SalesProcessTestCase):
	def test_the_default_library_is_installed_and_linked_from_types(self):
		names = set(frappe.get_all("Sales Response Strategy", pluck="name"))
		self.assertTrue({"Value Over Price", "Phase the Budget", "Shape the Tender"} <= names)
		self.assertEqual(
			frappe.db.get_value("Sales Objection Type", "Budget Insufficient", "default_strategy"),
			"Phase the Budget",
		)

	def test_the_daily_job_counts_wins_that_happen_later(self):
		from sales_process.tasks import refresh_strategy_statistics
		from sales_process.testing import enroll, make_opportunity, test_company

		company = test_company()
		enroll(company)
		strategy = frappe.get_doc(
			{"doctype": "Sales Response Strategy", "strategy_name": "_SP Later Win"}
		).insert()
		opportunity = make_opportunity(company)
		frappe.get_doc(
			{
				"doctype": "Sales Objection",
				"reference_doctype": "Opportunity",
				"reference_name": opportunity.name,
				"customer_words": "too expensive",
				"strategy": strategy.name,
			}
		).insert()
		# the deal is won: its order was submitted (process.outcomes stamps the moment)
		frappe.db.set_value(
			"Opportunity", opportunity.name, {"status": "Converted", "sp_won_on": frappe.utils.now_datetime()}
		)
		refresh_strategy_statistics()
		refresh_strategy_statistics()  # idempotent
		strategy.reload()
		self.assertEqual((strategy.times_used, strategy.times_won, strategy.win_rate), (1, 1, 100))

	def test_usage_figures_are_read_only_for_users(self):
		meta = frappe.get_meta("Sales Response Strategy")
		for fieldname in ("times_used", "times_won", "win_rate"):
			self.assertTrue(meta.get_field(fieldname).read_only)
