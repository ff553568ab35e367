"""What a new sales team hits in its first hour (issue 10), proved on the server side."""

import frappe

from sales_process import api
from sales_process.testing import (
	PLANT,
	SALES_USER,
	EnrolledCompanyTestCase,
	as_user,
	attach_file,
	make_customer,
	make_opportunity,
	make_site_address,
	make_team,
	records,
)


class TestPilotPaths(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_team()

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_a_rep_reads_the_stages_in_process_order(self):
		with as_user(SALES_USER):
			self.assertTrue(frappe.has_permission("Sales Stage", "read"))
			stages = [row[0] for row in api.stage_query("Sales Stage", "", "name", 0, 20, {})]
		order = frappe.get_all(
			"Sales Stage", filters={"sp_sequence": (">", 0)}, order_by="sp_sequence asc", pluck="name"
		)
		self.assertEqual(stages[: len(order)], order)
		self.assertEqual(stages[0], "Prospecting")

	def test_a_new_deal_at_the_first_stage_takes_its_probability_not_100(self):
		with as_user(SALES_USER):
			deal = frappe.get_doc(
				{
					"doctype": "Opportunity",
					"company": self.company,
					"opportunity_from": "Customer",
					"party_name": make_customer(),
					"sales_stage": "Prospecting",
					"probability": 100,  # ERPNext's default for a new Opportunity
				}
			).insert()
		self.assertEqual(deal.probability, 10)

	def test_decision_chain_is_completed_from_its_own_dialog(self):
		customer = make_customer()
		contacts = [_contact(customer, name) for name in ("Chen Gang", "Liu Yang", "Zhao Lei")]
		deal = make_opportunity(
			self.company, customer=customer, stage="Needs Analysis", opportunity_owner=SALES_USER
		)
		(requirement,) = records(deal.name, "Requirement Clarification")
		api.complete_checkpoint(
			requirement.name, summary="Needs forty servo motors", attachment=attach_file(requirement.name)
		)
		deal.reload()
		deal.sales_stage = "Proposal/Price Quote"
		deal.save()
		(record,) = records(deal.name, "Decision Chain Mapping")
		with as_user(SALES_USER):
			panel = api.get_checkpoint_panel("Opportunity", deal.name)
			row = next(r for r in panel["records"] if r["name"] == record.name)
			self.assertEqual(
				row["missing_roles"], ["Initiator", "Influencer", "Veto Holder"]
			)  # as configured
			minutes = attach_file(record.name, b"meeting minutes")
			api.complete_checkpoint(
				record.name,
				attachment=minutes,
				decision_makers=frappe.as_json(
					[
						{"contact": contacts[0], "role": "Initiator"},
						{"contact": contacts[1], "role": "Influencer"},
						{"contact": contacts[2], "role": "Veto Holder"},
					]
				),
			)
		self.assertEqual(frappe.db.get_value("Sales Checkpoint Record", record.name, "status"), "Completed")
		roles = frappe.get_all("Sales Decision Maker", filters={"parent": deal.name}, pluck="role")
		self.assertEqual(sorted(roles), ["Influencer", "Initiator", "Veto Holder"])

	def test_a_refused_decision_chain_completion_writes_nothing(self):
		deal = make_opportunity(self.company, stage="Proposal/Price Quote", opportunity_owner=SALES_USER)
		(record,) = records(deal.name, "Decision Chain Mapping")
		contact = _contact(deal.party_name, "Sun Li")
		frappe.db.savepoint("refused_request")
		with as_user(SALES_USER), self.assertRaises(frappe.ValidationError):
			# one role only and no minutes: refused, and the one row is not left behind
			api.complete_checkpoint(record.name, decision_makers=[{"contact": contact, "role": "Initiator"}])
		# what the request handler does with a refused request (the test's own data stays)
		frappe.db.rollback(save_point="refused_request")
		self.assertFalse(frappe.get_all("Sales Decision Maker", filters={"parent": deal.name}))

	def test_one_sentence_with_several_risks_raises_each_of_them(self):
		deal = make_opportunity(self.company, opportunity_owner=SALES_USER)
		with as_user(SALES_USER):
			objection = frappe.get_doc(
				{
					"doctype": "Sales Objection",
					"reference_doctype": "Opportunity",
					"reference_name": deal.name,
					"customer_words": "客户说价格太贵了,要走招标",
				}
			).insert()
		self.assertEqual(objection.objection_type, "Too Expensive")
		risks = frappe.get_all("Sales Risk Signal", filters={"reference_name": deal.name}, pluck="risk_type")
		self.assertEqual(risks, ["Must Go to Tender"])
		self.assertEqual(len(records(deal.name, "Risk Pre-registration")), 1)

	def test_picking_the_customer_fills_the_site_and_the_only_open_deal(self):
		customer = make_customer()
		address = make_site_address("Customer", customer, *PLANT)
		deal = make_opportunity(self.company, customer=customer, opportunity_owner=SALES_USER)
		with as_user(SALES_USER):
			self.assertEqual(
				api.visit_defaults("Customer", customer), {"address": address, "opportunity": deal.name}
			)
		make_opportunity(self.company, customer=customer, opportunity_owner=SALES_USER)
		with as_user(SALES_USER):
			self.assertEqual(
				api.visit_defaults("Customer", customer)["opportunity"], None
			)  # two: the rep picks

	def test_the_panel_names_the_document_and_links_the_evidence(self):
		deal = make_opportunity(self.company, opportunity_owner=SALES_USER)
		(record,) = records(deal.name, "Requirement Clarification")
		url = attach_file(record.name)
		api.complete_checkpoint(record.name, summary="Needs forty servo motors", attachment=url)
		from sales_process.testing import make_item, make_quotation

		quotation = make_quotation(deal.name, [make_item()])
		with as_user(SALES_USER):
			rows = api.get_checkpoint_panel("Opportunity", deal.name)["records"]
		done = next(r for r in rows if r["name"] == record.name)
		self.assertEqual([f["file"] for f in done["evidence_files"]], [url])
		match = next(r for r in rows if r["checkpoint"] == "Solution Match Verification")
		self.assertEqual(match["document"]["name"], quotation.name)
		self.assertFalse(api.get_checkpoint_panel("Opportunity", deal.name)["deal_closed"])


def _contact(customer: str, name: str) -> str:
	first, last = name.split(" ", 1)
	return (
		frappe.get_doc(
			{
				"doctype": "Contact",
				"first_name": first,
				"last_name": last,
				"links": [{"link_doctype": "Customer", "link_name": customer}],
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


class TestLostDeals(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_team()

	def test_a_lost_deal_asks_nothing_more(self):
		deal = make_opportunity(self.company, opportunity_owner=SALES_USER)
		(record,) = records(deal.name, "Requirement Clarification")
		competitor = "_SP Lost To Co"
		if not frappe.db.exists("Competitor", competitor):
			frappe.get_doc({"doctype": "Competitor", "competitor_name": competitor}).insert(
				ignore_permissions=True
			)
		deal.reload()
		# ERPNext's "Set as Lost" names the competitor it was lost to
		deal.status = "Lost"
		deal.append("lost_reasons", {"lost_reason": _lost_reason()})
		deal.append("competitors", {"competitor": competitor})
		deal.save()
		self.assertEqual(frappe.db.get_value("Sales Checkpoint Record", record.name, "status"), "Cancelled")
		self.assertFalse(records(deal.name, "Competitor Response Record"))
		self.assertTrue(api.get_checkpoint_panel("Opportunity", deal.name)["deal_closed"])


def _lost_reason() -> str:
	name = "_SP Price"
	if not frappe.db.exists("Opportunity Lost Reason", name):
		frappe.get_doc({"doctype": "Opportunity Lost Reason", "lost_reason": name}).insert(
			ignore_permissions=True
		)
	return name
