import frappe

from sales_process import api
from sales_process.process.gates import CheckpointGateError
from sales_process.testing import (
	EnrolledCompanyTestCase,
	attach_file,
	make_item,
	make_opportunity,
	make_quotation,
	make_sales_order_from,
	records,
)


class TestSalesOrderGate(EnrolledCompanyTestCase):
	def setUp(self):
		frappe.set_user("Administrator")

	def test_contract_terms_consensus_gates_the_sales_order(self):
		opportunity = make_opportunity(self.company)
		quotation = make_quotation(opportunity.name, [make_item()])
		quotation.submit()
		sales_order = make_sales_order_from(quotation.name)
		(record,) = records(opportunity.name, "Contract Terms Consensus")
		self.assertEqual(record.trigger_key, f"Sales Order:{sales_order.name}")

		with self.assertRaises(CheckpointGateError) as refusal:
			sales_order.submit()
		self.assertIn("Contract Terms Consensus", str(refusal.exception))
		self.assertIn("key-terms confirmation", str(refusal.exception))

		api.complete_checkpoint(record.name, attachment=attach_file(record.name, b"signed key terms"))
		sales_order.reload()
		sales_order.submit()
		self.assertEqual(frappe.db.get_value("Opportunity", opportunity.name, "status"), "Converted")
		moves = frappe.get_all(
			"Sales Stage Log",
			filters={"reference_name": opportunity.name},
			fields=["to_status", "source"],
			order_by="changed_on asc, creation asc",
		)
		self.assertEqual(
			[(m.to_status, m.source) for m in moves][-2:],
			[("Quotation", "Quotation"), ("Converted", "Sales Order")],
		)

	def test_a_sales_order_submitted_without_a_draft_is_told_to_save_one_first(self):
		from erpnext.selling.doctype.quotation.quotation import make_sales_order
		from frappe.utils import add_days, today

		opportunity = make_opportunity(self.company)
		quotation = make_quotation(opportunity.name, [make_item()])
		quotation.submit()
		sales_order = make_sales_order(quotation.name)
		sales_order.delivery_date = add_days(today(), 10)
		with self.assertRaises(CheckpointGateError) as refusal:
			sales_order.submit()
		self.assertIn("Save Sales Order as a draft first", str(refusal.exception))
		self.assertEqual(records(opportunity.name, "Contract Terms Consensus"), [])
