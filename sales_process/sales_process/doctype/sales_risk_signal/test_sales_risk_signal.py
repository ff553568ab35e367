import frappe

from sales_process.testing import SalesProcessTestCase, enroll, make_opportunity, records, test_company


class TestSalesRiskSignal(SalesProcessTestCase):
	def test_a_signal_starts_risk_pre_registration_and_a_strategy_completes_it(self):
		company = test_company()
		enroll(company)
		opportunity = make_opportunity(company)
		signal = frappe.get_doc(
			{
				"doctype": "Sales Risk Signal",
				"reference_doctype": "Opportunity",
				"reference_name": opportunity.name,
				"risk_type": "Key Contact Left",
				"strategy": None,
			}
		)
		signal.insert()
		# the type's default strategy is not applied to a hand-made signal: the rep chooses
		(record,) = records(opportunity.name, "Risk Pre-registration")
		self.assertEqual(record.status, "Pending")
		self.assertEqual(record.due_on, record.triggered_on)  # "immediately"
		signal.strategy = "Reach the Decision Maker"
		signal.save()
		(record,) = records(opportunity.name, "Risk Pre-registration")
		self.assertEqual(record.status, "Completed")
		# "immediately" met within its first minute is on time
		self.assertTrue(frappe.db.get_value("Sales Checkpoint Record", record.name, "on_time"))

	def test_only_risk_types_can_be_signals(self):
		with self.assertRaises(frappe.ValidationError) as refusal:
			frappe.get_doc({"doctype": "Sales Risk Signal", "risk_type": "Too Expensive"}).insert()
		self.assertIn("is not a risk type", str(refusal.exception))
