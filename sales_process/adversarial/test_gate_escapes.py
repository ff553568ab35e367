"""A rep tries to get a deal past an open gate (issue 11, "Gates cannot be escaped")."""

import frappe
from frappe.utils import add_days, today

from sales_process import api
from sales_process.testing import (
	SALES_USER,
	AdversaryTestCase,
	as_user,
	bulk_edit,
	client_save,
	client_set_value,
	data_import_insert,
	data_import_update,
	desk_save,
	make_company,
	make_customer,
	make_item,
	make_quotation,
	make_sales_order_from,
	records,
	rest_post,
	rest_put,
)

PROPOSAL = "Proposal/Price Quote"
NEGOTIATION = "Negotiation/Review"
INDUSTRY = "_SP Auto Parts"


class TestGateEscapes(AdversaryTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		if not frappe.db.exists("Industry Type", INDUSTRY):
			frappe.get_doc({"doctype": "Industry Type", "industry": INDUSTRY}).insert(ignore_permissions=True)
		if not frappe.db.exists("Sales Stage", "_SP Demo"):
			frappe.get_doc({"doctype": "Sales Stage", "stage_name": "_SP Demo"}).insert(
				ignore_permissions=True
			)
		if not frappe.db.exists("Sales Checkpoint", "_SP Line Takt Analysis"):
			frappe.get_doc(
				{
					"doctype": "Sales Checkpoint",
					"checkpoint_name": "_SP Line Takt Analysis",
					"enabled": 1,
					"sequence": 90,
					"trigger": "Enters Stage",
					"trigger_stage": "Needs Analysis",
					"gate": "Leave Stage",
					"due_value": 72,
					"due_unit": "Hours",
					"scope": [{"dimension": "Industry Type", "value": INDUSTRY}],
					"evidence": [{"kind": "Attachment", "label": "the line takt analysis", "min_count": 1}],
				}
			).insert(ignore_permissions=True)
		cls.other_company = _other_company()

	def at_proposal(self, **fields):
		"""A deal of the rep in Proposal/Price Quote with Decision Chain Mapping open."""
		deal = self.deal(stage="Qualification", **fields)
		self.complete(deal.name, "Requirement Clarification")
		deal.reload()
		deal.sales_stage = PROPOSAL
		deal.save()
		self.assertTrue(
			[r for r in records(deal.name, "Decision Chain Mapping") if r.status == "Pending"],
			"the deal should have an open Decision Chain Mapping",
		)
		return deal

	def test_every_entry_point_refuses_a_move_past_an_open_gate(self):
		deal = self.at_proposal()
		attacks = {
			"desk form": lambda: desk_save("Opportunity", deal.name, {"sales_stage": NEGOTIATION}),
			"REST PUT": lambda: rest_put("Opportunity", deal.name, {"sales_stage": NEGOTIATION}),
			"frappe.client.set_value": lambda: client_set_value(
				"Opportunity", deal.name, "sales_stage", NEGOTIATION
			),
			"frappe.client.save": lambda: client_save("Opportunity", deal.name, {"sales_stage": NEGOTIATION}),
			"Data Import": lambda: data_import_update("Opportunity", deal.name, {"sales_stage": NEGOTIATION}),
			"bulk edit": lambda: bulk_edit("Opportunity", deal.name, {"sales_stage": NEGOTIATION}),
		}
		for entry, attack in attacks.items():
			with self.subTest(entry):
				self.assertRefusedUnchanged(attack, "Opportunity", deal.name)

	def test_clearing_the_stage_then_setting_a_later_one_is_refused(self):
		deal = self.at_proposal()
		self.assertRefusedUnchanged(
			lambda: rest_put("Opportunity", deal.name, {"sales_stage": ""}), "Opportunity", deal.name
		)
		# and had the stage been cleared before the gate opened, the deal still moves on from where it last was
		fresh = self.deal(stage="Needs Analysis")
		self.complete(fresh.name, "Requirement Clarification")
		with as_user(SALES_USER):
			rest_put("Opportunity", fresh.name, {"sales_stage": ""})
		self.assertRefusedUnchanged(
			lambda: rest_put("Opportunity", fresh.name, {"sales_stage": NEGOTIATION}),
			"Opportunity",
			fresh.name,
		)

	def test_passing_through_a_stage_without_an_order_is_refused(self):
		deal = self.at_proposal()
		self.assertRefusedUnchanged(
			lambda: rest_put("Opportunity", deal.name, {"sales_stage": "_SP Demo"}), "Opportunity", deal.name
		)
		# back to an earlier stage is free, then the unordered stage and the later one are held
		with as_user(SALES_USER):
			rest_put("Opportunity", deal.name, {"sales_stage": "Qualification"})
		self.assertRefusedUnchanged(
			lambda: rest_put("Opportunity", deal.name, {"sales_stage": "_SP Demo"}), "Opportunity", deal.name
		)

	def test_changing_the_industry_in_the_same_save_does_not_lift_the_gate(self):
		deal = self.deal(stage="Qualification", industry=INDUSTRY)
		self.complete(deal.name, "Requirement Clarification")
		# skipping Needs Analysis while leaving the industry its checkpoint is for
		self.assertRefusedUnchanged(
			lambda: rest_put("Opportunity", deal.name, {"industry": "", "sales_stage": PROPOSAL}),
			"Opportunity",
			deal.name,
		)
		# once started, the record holds whatever the industry becomes
		with as_user(SALES_USER):
			rest_put("Opportunity", deal.name, {"sales_stage": "Needs Analysis"})
		self.assertTrue(records(deal.name, "_SP Line Takt Analysis"))
		self.assertRefusedUnchanged(
			lambda: rest_put("Opportunity", deal.name, {"industry": "", "sales_stage": PROPOSAL}),
			"Opportunity",
			deal.name,
		)
		with as_user(SALES_USER):
			rest_put("Opportunity", deal.name, {"industry": ""})
		self.assertRefusedUnchanged(
			lambda: rest_put("Opportunity", deal.name, {"sales_stage": PROPOSAL}), "Opportunity", deal.name
		)

	def test_an_industry_changed_earlier_still_applies_to_later_moves(self):
		deal = self.deal(stage="Qualification", industry=INDUSTRY)
		self.complete(deal.name, "Requirement Clarification")
		with as_user(SALES_USER):
			rest_put("Opportunity", deal.name, {"industry": ""})  # allowed: the deal remembers it
		self.assertRefusedUnchanged(
			lambda: rest_put("Opportunity", deal.name, {"sales_stage": PROPOSAL}), "Opportunity", deal.name
		)

	def test_switching_company_in_the_same_save_does_not_escape(self):
		deal = self.at_proposal()
		self.assertRefusedUnchanged(
			lambda: rest_put(
				"Opportunity", deal.name, {"company": self.other_company, "sales_stage": NEGOTIATION}
			),
			"Opportunity",
			deal.name,
		)

	def test_a_rep_cannot_create_a_deal_past_a_gate(self):
		values = {
			"company": self.company,
			"opportunity_from": "Customer",
			"party_name": make_customer(),
			"opportunity_type": "Sales",
			"transaction_date": today(),
			"sales_stage": NEGOTIATION,
		}
		before = frappe.db.count("Opportunity")
		for entry, attack in {
			"REST POST": lambda: rest_post("Opportunity", values),
			"Data Import": lambda: data_import_insert("Opportunity", values),
		}.items():
			with (
				self.subTest(entry),
				as_user(SALES_USER),
				self.assertRaises(frappe.ValidationError) as refusal,
			):
				attack()
			self.assertIn("Decision Chain Mapping", str(refusal.exception))
			self.assertIn("or earlier", str(refusal.exception))
		self.assertEqual(frappe.db.count("Opportunity"), before)

	def test_a_sales_order_without_its_links_is_still_held_by_the_deal(self):
		customer = make_customer()
		item = make_item()
		deal = self.deal(party_name=customer)
		quotation = make_quotation(deal.name, [item])
		quotation.submit()  # a new customer: nothing to match, Solution Match verifies itself
		order = make_sales_order_from(quotation.name)
		for row in order.items:
			row.prevdoc_docname = None
		with as_user(SALES_USER):
			order.save()
		self.assertRefusedUnchanged(order.submit, "Sales Order", order.name)
		# and typed by hand from scratch, with the same items
		manual = frappe.get_doc(
			{
				"doctype": "Sales Order",
				"company": self.company,
				"customer": customer,
				"transaction_date": today(),
				"delivery_date": add_days(today(), 5),
				"items": [{"item_code": item, "qty": 1, "rate": 100, "delivery_date": add_days(today(), 5)}],
			}
		)
		with as_user(SALES_USER), self.assertRaises(frappe.ValidationError) as refusal:
			manual.insert()
			manual.submit()
		self.assertIn("Contract Terms Consensus", str(refusal.exception))
		self.assertIn(quotation.name, str(refusal.exception))

	def test_a_quotation_cannot_name_another_deal_in_its_header(self):
		gated = self.deal()
		free = self.deal()
		quotation = make_quotation(gated.name, [make_item()])
		self.assertRefusedUnchanged(
			lambda: rest_put("Quotation", quotation.name, {"opportunity": free.name}),
			"Quotation",
			quotation.name,
		)

	def test_changing_the_deal_just_before_submitting_does_not_lift_a_started_record(self):
		if not frappe.db.exists("Customer Group", "_SP Key Accounts"):
			frappe.get_doc(
				{
					"doctype": "Customer Group",
					"customer_group_name": "_SP Key Accounts",
					"parent_customer_group": frappe.db.get_value("Customer Group", {"is_group": 1}, "name"),
				}
			).insert(ignore_permissions=True)
		checkpoint = frappe.get_doc("Sales Checkpoint", "Contract Terms Consensus")
		checkpoint.append("scope", {"dimension": "Customer Group", "value": "_SP Key Accounts"})
		checkpoint.save()
		try:
			customer = make_customer()
			deal = self.deal(party_name=customer, customer_group="_SP Key Accounts")
			quotation = make_quotation(deal.name, [make_item()])
			quotation.submit()
			order = make_sales_order_from(quotation.name)  # Contract Terms Consensus starts for it
			with as_user(SALES_USER):
				rest_put(
					"Opportunity",
					deal.name,
					{
						"customer_group": frappe.db.get_value(
							"Customer Group", {"is_group": 0, "name": ("!=", "_SP Key Accounts")}, "name"
						)
					},
				)
			self.assertRefusedUnchanged(order.submit, "Sales Order", order.name)
		finally:
			checkpoint.reload()
			checkpoint.scope = []
			checkpoint.save()

	def test_a_condition_that_cannot_run_never_opens_a_started_gate(self):
		checkpoint = frappe.get_doc("Sales Checkpoint", "Decision Chain Mapping")
		deal = self.at_proposal()
		# a condition that raises on this deal (a manager's mistake, e.g. a field removed later)
		frappe.db.set_value(
			"Sales Checkpoint", checkpoint.name, "condition", "doc.opportunity_amount / 0 > 1"
		)
		from sales_process.process import rule_book

		rule_book.clear_cache()
		try:
			self.assertRefusedUnchanged(
				lambda: rest_put("Opportunity", deal.name, {"sales_stage": NEGOTIATION}),
				"Opportunity",
				deal.name,
			)
			# ...and blocks nothing it has not started on: a new deal moves to Proposal freely
			other = self.deal(stage="Qualification")
			self.complete(other.name, "Requirement Clarification")
			with as_user(SALES_USER):
				rest_put("Opportunity", other.name, {"sales_stage": "Needs Analysis"})
		finally:
			frappe.db.set_value("Sales Checkpoint", checkpoint.name, "condition", None)
			rule_book.clear_cache()

	def test_the_pre_check_says_the_same_and_writes_nothing(self):
		deal = self.at_proposal()
		with as_user(SALES_USER):
			answer = api.check_stage_move(deal.name, NEGOTIATION)
		self.assertFalse(answer["allowed"])
		self.assertEqual(answer["saved_stage"], PROPOSAL)
		self.assertIn("Decision Chain Mapping", answer["message"])


def _other_company() -> str:
	"""A company outside process control."""
	return make_company("_SP Unenrolled Co", "_SPU")
