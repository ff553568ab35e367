import frappe

from sales_process.process.settings import is_under_process_control
from sales_process.testing import (
	SalesProcessTestCase,
	enroll,
	make_opportunity,
	records,
	test_company,
	unenroll,
)


class TestSalesProcessSettings(SalesProcessTestCase):
	def test_only_enrolled_companies_are_under_process_control(self):
		company = test_company()
		enroll(company)
		self.assertTrue(is_under_process_control(company))
		unenroll(company)
		self.assertFalse(is_under_process_control(company))
		opportunity = make_opportunity(company)
		self.assertEqual(records(opportunity.name), [])
		enroll(company)

	def test_switching_the_process_off_stops_everything(self):
		company = test_company()
		enroll(company, enabled=False)
		try:
			self.assertFalse(is_under_process_control(company))
		finally:
			enroll(company, enabled=True)

	def test_due_soon_share_must_be_a_percentage(self):
		settings = frappe.get_single("Sales Process Settings")
		settings.due_soon_percent = 150
		with self.assertRaises(frappe.ValidationError):
			settings.save()
