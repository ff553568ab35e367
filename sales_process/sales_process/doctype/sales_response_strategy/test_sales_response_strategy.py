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

	def test_usage_figures_are_read_only_for_users(self):
		meta = frappe.get_meta("Sales Response Strategy")
		for fieldname in ("times_used", "times_won", "win_rate"):
			self.assertTrue(meta.get_field(fieldname).read_only)
