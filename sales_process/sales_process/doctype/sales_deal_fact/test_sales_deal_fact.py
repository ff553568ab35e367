"""A deal's history facts follow it through ERPNext's own flows: stage moves, a visit checked in,
a quotation submitted, the order that wins it and its cancellation, a reassignment, deletion —
and always equal what reading the deal again gives."""

import dataclasses
import zlib
from datetime import timedelta

import frappe
from frappe.utils import flt

from sales_process import api
from sales_process.process import deal_rollup, stage_log
from sales_process.process.report_scope import ReportScope
from sales_process.process.rule_book import stage_order
from sales_process.testing import (
	EnrolledCompanyTestCase,
	attach_file,
	make_customer,
	make_item,
	make_opportunity,
	make_quotation,
	make_sales_order_from,
	make_user,
	records,
)

REP = "sp-deal-fact-rep@example.com"
OTHER = "sp-deal-fact-other@example.com"


class TestDealFacts(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP, ["Sales User"])
		make_user(OTHER, ["Sales User"])
		cls.item = make_item()

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.db.savepoint("deal_fact_test")
		self.addCleanup(frappe.db.rollback, save_point="deal_fact_test")

	def fact(self, deal) -> dict | None:
		stored = deal_rollup.stored_facts([deal]).get(deal)
		# what the hooks stored is what reading the deal again gives
		self.assertEqual(stored, deal_rollup.facts_of([deal]).get(deal))
		return stored

	def move(self, deal, stage, status="Open"):
		stage_log.log_position("Opportunity", deal, stage_log.Position(stage, status), "Opportunity")

	def check_in(self, deal, customer):
		visit = frappe.get_doc(
			{
				"doctype": "Sales Visit Log",
				"rep": REP,
				"party_type": "Customer",
				"party": customer,
				"reference_doctype": "Opportunity",
				"reference_name": deal,
				"status": "Planned",
			}
		)
		visit.flags.sp_system_write = True
		visit.insert(ignore_permissions=True)
		self.assertEqual(self.fact(deal)["visits"], 0)  # planned, not made
		visit.status, visit.check_in_time = "Checked In", frappe.utils.now_datetime()
		visit.flags.sp_system_write = True
		visit.save(ignore_permissions=True)
		return visit

	def test_a_deals_life_keeps_its_facts(self):
		order = stage_order()
		customer = make_customer()
		deal = make_opportunity(
			self.company, customer, stage="Prospecting", opportunity_owner=REP, opportunity_amount=5_000
		).name
		fact = self.fact(deal)
		self.assertEqual((fact["rep"], fact["company"]), (REP, self.company))
		self.assertEqual((fact["furthest"], fact["moves"], fact["visits"]), (order["Prospecting"], 0, 0))
		self.assertIsNone(fact["won_on"])

		# forward, back and forward again: two forward moves, the furthest stage stays
		self.move(deal, "Needs Analysis")
		self.move(deal, "Qualification")
		self.move(deal, "Needs Analysis")
		fact = self.fact(deal)
		self.assertEqual((fact["furthest"], fact["moves"]), (order["Needs Analysis"], 2))

		self.check_in(deal, customer)
		self.assertEqual(self.fact(deal)["visits"], 1)

		# ERPNext's own flow: a quotation submitted, then the order that wins the deal
		quotation = make_quotation(deal, [self.item], rate=5_000)
		quotation.submit()
		self.assertEqual(self.fact(deal)["quotations"], 1)
		sales_order = make_sales_order_from(quotation.name)
		(terms,) = records(deal, "Contract Terms Consensus")  # the order's gate, met as a rep meets it
		api.complete_checkpoint(terms.name, attachment=attach_file(terms.name, b"signed key terms"))
		sales_order.reload()
		sales_order.submit()
		fact = self.fact(deal)
		self.assertTrue(fact["won_on"])
		self.assertEqual(
			flt(fact["won_amount"]), flt(frappe.db.get_value("Opportunity", deal, "base_opportunity_amount"))
		)
		self.assertGreater(flt(fact["won_amount"]), 0)

		# the order cancelled: the deal is open again
		sales_order.reload()
		sales_order.cancel()
		self.assertIsNone(self.fact(deal)["won_on"])

		# a manager gives the deal to another rep
		doc = frappe.get_doc("Opportunity", deal)
		doc.opportunity_owner = OTHER
		doc.save(ignore_permissions=True)
		self.assertEqual(self.fact(deal)["rep"], OTHER)

	def test_a_lost_deal_is_decided_and_a_deleted_one_leaves_the_history(self):
		deal = make_opportunity(self.company, stage="Prospecting", opportunity_owner=REP).name
		self.move(deal, "Prospecting", "Lost")
		fact = self.fact(deal)
		self.assertTrue(fact["lost_on"])
		self.assertIsNone(fact["won_on"])

		other = make_opportunity(self.company, stage="Prospecting", opportunity_owner=REP).name
		self.assertIsNotNone(self.fact(other))
		frappe.delete_doc("Opportunity", other, ignore_permissions=True, force=True)
		self.assertIsNone(deal_rollup.stored_facts([other]).get(other))

	def test_refresh_is_idempotent(self):
		deal = make_opportunity(self.company, stage="Prospecting", opportunity_owner=REP).name
		self.assertEqual(deal_rollup.refresh([deal]), 0)
		frappe.db.set_value("Opportunity", deal, "sales_stage", "Qualification", update_modified=False)
		self.assertEqual(deal_rollup.refresh([deal]), 1)  # a write without the controller, then counted
		self.assertEqual(deal_rollup.refresh([deal]), 0)
		self.fact(deal)

	def test_reps_whose_names_share_a_hash_are_counted_apart(self):
		"""`deal_rollup._per_rep` groups by the rep's CRC32 and catches two names sharing one."""
		twins = ("sp-crc-29685295@example.com", "sp-crc-32060020@example.com")  # CRC32 2169715910
		self.assertEqual(len({zlib.crc32(name.encode()) for name in twins}), 1)
		for count, rep in enumerate(twins, start=1):
			make_user(rep, ["Sales User"])
			for _ in range(count):
				make_opportunity(self.company, opportunity_owner=rep, opportunity_amount=100 * count)
		deals = frappe.get_all("Opportunity", filters={"opportunity_owner": ("in", twins)}, pluck="name")
		now = frappe.utils.now_datetime()
		frappe.db.set_value("Opportunity", {"name": ("in", deals)}, "sp_won_on", now, update_modified=False)
		deal_rollup.refresh(deals)
		scope = ReportScope(company=self.company, from_date=now.date(), to_date=now.date())
		day = (now - timedelta(days=1), now + timedelta(days=1))
		created = deal_rollup.deals_created(scope, *day)
		won = deal_rollup.won_amounts(scope, *day)
		self.assertEqual([created.get(rep) for rep in twins], [1, 2])
		self.assertEqual([won.get(rep) for rep in twins], [100.0, 400.0])
		# with one twin out of the reader's scope, the other's group holds one name: no fallback
		alone = dataclasses.replace(scope, reps=[twins[1]])
		self.assertEqual(deal_rollup.deals_created(alone, *day), {twins[1]: 2})
