import frappe

from sales_process.process.gates import CheckpointGateError
from sales_process.testing import (
	EnrolledCompanyTestCase,
	enroll,
	make_customer,
	make_item,
	make_opportunity,
	make_quotation,
	past_sales_order,
	records,
	test_company,
)


def _last_move(opportunity):
	last = frappe.get_all(
		"Sales Stage Log",
		filters={"reference_name": opportunity},
		fields=["to_status", "source"],
		order_by="changed_on desc, creation desc",
		limit=1,
	)[0]
	return last.to_status, last.source


class TestQuotationGate(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.bought = [make_item(), make_item()]
		cls.new_item = make_item()

	def setUp(self):
		frappe.set_user("Administrator")

	def test_a_draft_quotation_starts_solution_match_verification(self):
		opportunity = make_opportunity(self.company)
		quotation = make_quotation(opportunity.name, self.bought)
		(record,) = records(opportunity.name, "Solution Match Verification")
		self.assertEqual(record.trigger_key, f"Quotation:{quotation.name}")
		self.assertEqual(record.status, "Pending")

	def test_quotation_matching_the_purchase_history_submits_and_verifies_itself(self):
		customer = make_customer()
		past_sales_order(self.company, customer, self.bought)
		opportunity = make_opportunity(self.company, customer)
		quotation = make_quotation(opportunity.name, self.bought)
		quotation.submit()
		self.assertEqual(quotation.sp_match_ratio, 100)
		(record,) = records(opportunity.name, "Solution Match Verification")
		self.assertEqual(record.status, "Completed")
		self.assertEqual(frappe.db.get_value("Opportunity", opportunity.name, "status"), "Quotation")
		self.assertEqual(_last_move(opportunity.name), ("Quotation", "Quotation"))

		quotation.cancel()
		self.assertEqual(_last_move(opportunity.name), ("Open", "Quotation"))

	def test_quotation_below_the_match_threshold_is_refused_with_the_ratio(self):
		customer = make_customer()
		past_sales_order(self.company, customer, self.bought)
		opportunity = make_opportunity(self.company, customer)
		quotation = make_quotation(opportunity.name, [self.bought[0], self.new_item])
		self.assertEqual(quotation.sp_match_ratio, 50)
		with self.assertRaises(CheckpointGateError) as refusal:
			quotation.submit()
		self.assertIn("Only 50% of the quoted items match", str(refusal.exception))
		self.assertEqual(frappe.db.get_value("Quotation", quotation.name, "docstatus"), 0)

	def test_a_sales_manager_waiver_lets_it_through(self):
		from sales_process import api

		customer = make_customer()
		past_sales_order(self.company, customer, self.bought)
		opportunity = make_opportunity(self.company, customer)
		quotation = make_quotation(opportunity.name, [self.new_item])
		(record,) = records(opportunity.name, "Solution Match Verification")
		api.waive_checkpoint(record.name, "New product line agreed with the customer")
		quotation.reload()
		quotation.submit()
		self.assertEqual(quotation.docstatus, 1)

	def test_new_customer_without_history_is_not_held(self):
		opportunity = make_opportunity(self.company)
		quotation = make_quotation(opportunity.name, [self.new_item])
		quotation.submit()
		(record,) = records(opportunity.name, "Solution Match Verification")
		self.assertEqual(record.status, "Completed")

	def test_quotation_without_an_opportunity_is_not_gated(self):
		customer = make_customer()
		past_sales_order(self.company, customer, self.bought)
		quotation = frappe.get_doc(
			{
				"doctype": "Quotation",
				"company": self.company,
				"quotation_to": "Customer",
				"party_name": customer,
				"items": [{"item_code": self.new_item, "qty": 1, "rate": 10}],
			}
		)
		quotation.run_method("set_missing_values")
		quotation.insert()
		quotation.submit()
		self.assertEqual(quotation.docstatus, 1)
		self.assertFalse(frappe.db.exists("Sales Checkpoint Record", {"reference_name": quotation.name}))


class TestSubmitWithoutDraft(EnrolledCompanyTestCase):
	"""API clients and imports submit new documents in one call, with no draft saved first."""

	def test_a_matching_quotation_submitted_in_one_call_verifies_itself(self):
		from erpnext.crm.doctype.opportunity.opportunity import make_quotation as erpnext_make_quotation

		customer = make_customer()
		item = make_item()
		past_sales_order(self.company, customer, [item])
		opportunity = make_opportunity(self.company, customer)
		quotation = erpnext_make_quotation(opportunity.name)
		quotation.append("items", {"item_code": item, "qty": 1, "rate": 10})
		quotation.run_method("set_missing_values")
		quotation.run_method("calculate_taxes_and_totals")
		quotation.submit()
		self.assertEqual(quotation.docstatus, 1)
		(record,) = records(opportunity.name, "Solution Match Verification")
		self.assertEqual(record.status, "Completed")


class TestGateWithoutOpportunity(EnrolledCompanyTestCase):
	def test_a_checkpoint_can_opt_in_to_gate_quotations_without_an_opportunity(self):
		company = test_company()
		enroll(company)
		frappe.get_doc(
			{
				"doctype": "Sales Checkpoint",
				"checkpoint_name": "_SP Price Approval",
				"trigger": "Before Quotation Submit",
				"gate": "Submit Quotation",
				"applies_without_opportunity": 1,
				"due_value": 24,
				"evidence": [{"kind": "Attachment", "label": "the signed price approval"}],
			}
		).insert()
		quotation = frappe.get_doc(
			{
				"doctype": "Quotation",
				"company": company,
				"quotation_to": "Customer",
				"party_name": make_customer(),
				"items": [{"item_code": make_item(), "qty": 1, "rate": 10}],
			}
		)
		quotation.run_method("set_missing_values")
		quotation.insert()
		record = frappe.get_all(
			"Sales Checkpoint Record",
			filters={"reference_doctype": "Quotation", "reference_name": quotation.name},
			fields=["checkpoint", "status"],
		)
		self.assertEqual([(r.checkpoint, r.status) for r in record], [("_SP Price Approval", "Pending")])
		with self.assertRaises(CheckpointGateError) as refusal:
			quotation.submit()
		self.assertIn("Attach the signed price approval", str(refusal.exception))
