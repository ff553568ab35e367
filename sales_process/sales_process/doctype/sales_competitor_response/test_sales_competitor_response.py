import frappe

from sales_process.testing import EnrolledCompanyTestCase, make_opportunity, records


class TestSalesCompetitorResponse(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		for name in ("_SP Globex", "_SP Initech"):
			if not frappe.db.exists("Competitor", name):
				frappe.get_doc({"doctype": "Competitor", "competitor_name": name}).insert()

	def test_filling_the_response_completes_the_competitor_checkpoint(self):
		opportunity = make_opportunity(self.company)
		opportunity.append("competitors", {"competitor": "_SP Globex"})
		opportunity.append("competitors", {"competitor": "_SP Initech"})
		opportunity.save()
		self.assertEqual(len(records(opportunity.name, "Competitor Response Record")), 2)

		frappe.get_doc(
			{
				"doctype": "Sales Competitor Response",
				"reference_doctype": "Opportunity",
				"reference_name": opportunity.name,
				"competitor": "_SP Globex",
				"competitor_model": "GX-200",
				"customer_concern": "Price",
				"our_advantages": "Local service within 4 hours; 3-year warranty",
			}
		).insert()
		statuses = {r.trigger_key: r.status for r in records(opportunity.name, "Competitor Response Record")}
		self.assertEqual(
			statuses, {"competitor:_SP Globex": "Completed", "competitor:_SP Initech": "Pending"}
		)

	def test_one_response_per_competitor_and_deal(self):
		opportunity = make_opportunity(self.company)
		response = {
			"doctype": "Sales Competitor Response",
			"reference_doctype": "Opportunity",
			"reference_name": opportunity.name,
			"competitor": "_SP Globex",
			"customer_concern": "Price",
			"our_advantages": "Service",
		}
		frappe.get_doc(response).insert()
		with self.assertRaises(frappe.DuplicateEntryError):
			frappe.get_doc(response).insert()

	def test_a_response_must_point_to_an_existing_deal(self):
		with self.assertRaises(frappe.ValidationError):
			frappe.get_doc(
				{
					"doctype": "Sales Competitor Response",
					"reference_doctype": "Opportunity",
					"reference_name": "CRM-OPP-DOES-NOT-EXIST",
					"competitor": "_SP Globex",
					"customer_concern": "Price",
					"our_advantages": "x",
				}
			).insert()
