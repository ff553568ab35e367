"""A rep tries to read another team's records or to make them theirs
(issue 11, "Row permissions judge the stored document, not the request")."""

import frappe
from frappe.permissions import add_user_permission, remove_user_permission

from sales_process import api
from sales_process.testing import (
	OTHER_REP,
	SALES_MANAGER,
	SALES_USER,
	AdversaryTestCase,
	as_user,
	bulk_edit,
	client_save,
	client_set_value,
	data_import_update,
	records,
	rest_post,
	rest_put,
)


class TestRowRules(AdversaryTestCase):
	def objection_of(self, opportunity: str) -> str:
		return (
			frappe.get_doc(
				{
					"doctype": "Sales Objection",
					"reference_doctype": "Opportunity",
					"reference_name": opportunity,
					"customer_words": "太贵了",
				}
			)
			.insert(ignore_permissions=True)
			.name
		)

	def signal_of(self, opportunity: str) -> str:
		return (
			frappe.get_doc(
				{
					"doctype": "Sales Risk Signal",
					"reference_doctype": "Opportunity",
					"reference_name": opportunity,
					"risk_type": "Budget Insufficient",
				}
			)
			.insert(ignore_permissions=True)
			.name
		)

	def test_nobody_takes_over_a_record_by_writing_the_field_the_rules_read(self):
		deal = self.deal(owner=SALES_USER)
		targets = {
			"Sales Checkpoint Record": records(deal.name, "Requirement Clarification")[0].name,
			"Sales Objection": self.objection_of(deal.name),
			"Sales Risk Signal": self.signal_of(deal.name),
		}
		for doctype, name in targets.items():
			self.assertEqual(frappe.db.get_value(doctype, name, "assigned_to"), SALES_USER)
			attacks = {
				"REST PUT": lambda doctype=doctype, name=name: rest_put(
					doctype, name, {"assigned_to": OTHER_REP}
				),
				"frappe.client.set_value": lambda doctype=doctype, name=name: client_set_value(
					doctype, name, "assigned_to", OTHER_REP
				),
				"frappe.client.save": lambda doctype=doctype, name=name: client_save(
					doctype, name, {"assigned_to": OTHER_REP}
				),
				"Data Import": lambda doctype=doctype, name=name: data_import_update(
					doctype, name, {"assigned_to": OTHER_REP}
				),
				"bulk edit": lambda doctype=doctype, name=name: bulk_edit(
					doctype, name, {"assigned_to": OTHER_REP}
				),
			}
			for entry, attack in attacks.items():
				# the other team's rep cannot even read it; the owner cannot give it away either
				for user in (OTHER_REP, SALES_USER):
					with self.subTest(doctype=doctype, entry=entry, user=user):
						self.assertRefusedUnchanged(attack, doctype, name, user=user)

	def test_a_manager_reassigns_and_it_is_written_on_the_record(self):
		deal = self.deal(owner=SALES_USER)
		name = self.signal_of(deal.name)
		with as_user(SALES_MANAGER):
			rest_put("Sales Risk Signal", name, {"assigned_to": OTHER_REP})
		self.assertEqual(frappe.db.get_value("Sales Risk Signal", name, "assigned_to"), OTHER_REP)
		comments = frappe.get_all(
			"Comment",
			filters={
				"reference_doctype": "Sales Risk Signal",
				"reference_name": name,
				"comment_type": "Info",
			},
			pluck="content",
		)
		self.assertTrue(any(SALES_USER in c and OTHER_REP in c and SALES_MANAGER in c for c in comments))

	def test_only_a_manager_gives_a_deal_to_another_rep_and_its_records_follow(self):
		deal = self.deal(owner=SALES_USER)
		self.assertRefusedUnchanged(
			lambda: rest_put("Opportunity", deal.name, {"opportunity_owner": OTHER_REP}),
			"Opportunity",
			deal.name,
		)
		with as_user(SALES_MANAGER):
			rest_put("Opportunity", deal.name, {"opportunity_owner": OTHER_REP})
		(record,) = records(deal.name, "Requirement Clarification")
		self.assertEqual(
			frappe.db.get_value("Sales Checkpoint Record", record.name, "assigned_to"), OTHER_REP
		)

	def test_adding_to_a_deal_needs_the_right_to_change_it(self):
		deal = self.deal(owner=SALES_USER)
		elsewhere = self.deal(owner=OTHER_REP)
		# the other rep may only touch their own deal (a User Permission, as a site would restrict reps)
		add_user_permission("Opportunity", elsewhere.name, OTHER_REP)
		try:
			for doctype, values in {
				"Sales Objection": {"customer_words": "too expensive"},
				"Sales Risk Signal": {"risk_type": "Must Go to Tender"},
				"Sales Competitor Response": {
					"competitor": _competitor(),
					"customer_concern": "Price",
					"our_advantages": "Service within 4 hours",
				},
			}.items():
				before = frappe.db.count(doctype)
				with self.subTest(doctype), as_user(OTHER_REP), self.assertRaises(frappe.PermissionError):
					rest_post(
						doctype, {"reference_doctype": "Opportunity", "reference_name": deal.name, **values}
					)
				self.assertEqual(frappe.db.count(doctype), before)
			with as_user(OTHER_REP), self.assertRaises(frappe.PermissionError):
				api.record_competitor("Opportunity", deal.name, _competitor(), "Price", "Faster service")
			visits = frappe.db.count("Sales Visit Log")
			with as_user(OTHER_REP), self.assertRaises(frappe.PermissionError):
				rest_post(
					"Sales Visit Log",
					{
						"party_type": "Customer",
						"party": deal.party_name,
						"reference_doctype": "Opportunity",
						"reference_name": deal.name,
					},
				)
			self.assertEqual(frappe.db.count("Sales Visit Log"), visits)
		finally:
			remove_user_permission("Opportunity", elsewhere.name, OTHER_REP)

	def test_the_panel_and_the_stage_log_follow_the_row_rules(self):
		deal = self.deal(owner=SALES_USER)
		with as_user(OTHER_REP):
			# ERPNext lets every Sales User read every Opportunity; its checkpoints stay with the team
			panel = api.get_checkpoint_panel("Opportunity", deal.name)
			self.assertEqual(panel["records"], [])
			logs = frappe.get_list("Sales Stage Log", filters={"reference_name": deal.name}, pluck="name")
			self.assertEqual(logs, [])
			log = frappe.db.get_value("Sales Stage Log", {"reference_name": deal.name})
			self.assertFalse(frappe.has_permission("Sales Stage Log", "read", log))
		with as_user(SALES_USER):
			self.assertTrue(api.get_checkpoint_panel("Opportunity", deal.name)["records"])
			self.assertTrue(frappe.get_list("Sales Stage Log", filters={"reference_name": deal.name}))
		with as_user(SALES_MANAGER):
			self.assertTrue(frappe.get_list("Sales Stage Log", filters={"reference_name": deal.name}))

	def test_a_closed_record_cannot_be_written_by_anyone(self):
		deal = self.deal(owner=SALES_USER)
		self.complete(deal.name, "Requirement Clarification")
		(record,) = records(deal.name, "Requirement Clarification")
		with as_user(SALES_USER):
			self.assertFalse(frappe.has_permission("Sales Checkpoint Record", "write", record.name))
		self.assertRefusedUnchanged(
			lambda: rest_put("Sales Checkpoint Record", record.name, {"summary": "rewritten"}),
			"Sales Checkpoint Record",
			record.name,
		)


def _competitor() -> str:
	name = "_SP Rival Co"
	if not frappe.db.exists("Competitor", name):
		frappe.get_doc({"doctype": "Competitor", "competitor_name": name}).insert(ignore_permissions=True)
	return name
