"""Bad input and faults never cost a document, and records follow their documents
(issue 11, "Records follow their documents" and "Robust to bad input and faults")."""

import time
from unittest.mock import patch

import frappe
from frappe.utils import add_days, add_to_date, today

from sales_process import api
from sales_process.tasks import refresh_checkpoint_lights
from sales_process.testing import (
	NEAR_PLANT,
	PLANT,
	SALES_USER,
	AdversaryTestCase,
	as_user,
	make_customer,
	make_item,
	make_quotation,
	make_sales_order_from,
	make_site_address,
	make_visit,
	records,
)


class TestFaults(AdversaryTestCase):
	def test_an_email_is_stored_even_when_reading_it_fails(self):
		deal = self.deal()
		before = frappe.db.count("Error Log")
		with patch("sales_process.process.objections.topics", side_effect=RuntimeError("classifier down")):
			email = frappe.get_doc(
				{
					"doctype": "Communication",
					"communication_type": "Communication",
					"communication_medium": "Email",
					"sent_or_received": "Received",
					"subject": "Re: offer",
					"content": "预算不够,要走招标",
					"reference_doctype": "Opportunity",
					"reference_name": deal.name,
				}
			).insert(ignore_permissions=True)
		self.assertTrue(frappe.db.exists("Communication", email.name))
		self.assertEqual(frappe.db.count("Error Log"), before + 1)

	def test_signals_from_an_email_belong_to_the_deals_rep(self):
		deal = self.deal(owner=SALES_USER)
		frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": "Email",
				"sent_or_received": "Received",
				"subject": "Re: offer",
				"content": "太贵了,而且今年预算不够,还要公开招标",
				"reference_doctype": "Opportunity",
				"reference_name": deal.name,
			}
		).insert(ignore_permissions=True)
		signals = frappe.get_all(
			"Sales Risk Signal",
			filters={"reference_name": deal.name},
			fields=["risk_type", "assigned_to", "strategy"],
		)
		self.assertEqual(sorted(s.risk_type for s in signals), ["Budget Insufficient", "Must Go to Tender"])
		self.assertEqual({(s.assigned_to, s.strategy) for s in signals}, {(SALES_USER, None)})

	def test_a_decompression_bomb_is_refused_before_it_is_decoded(self):
		import struct
		import zlib

		def chunk(kind, data):
			return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

		bomb = (
			b"\x89PNG\r\n\x1a\n"
			+ chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0))
			+ chunk(b"IDAT", zlib.compress(b"\0" * 16))
			+ chunk(b"IEND", b"")
		)
		customer = make_customer()
		make_site_address("Customer", customer, *PLANT)
		with as_user(SALES_USER):
			visit = make_visit(customer)
			api.check_in(visit.name, *NEAR_PLANT, accuracy=10)
			files = frappe.db.count("File", {"attached_to_name": visit.name})
			frappe.local.uploaded_file, frappe.local.uploaded_filename = bomb, "huge.png"
			frappe.form_dict.docname = visit.name
			started = time.monotonic()
			try:
				with self.assertRaises(frappe.ValidationError) as refusal:
					api.upload_visit_photo()
			finally:
				frappe.local.uploaded_file = frappe.local.uploaded_filename = None
				frappe.form_dict.pop("docname", None)
		self.assertLess(time.monotonic() - started, 5)
		self.assertIn("larger than any phone photo", str(refusal.exception))
		self.assertEqual(frappe.db.count("File", {"attached_to_name": visit.name}), files)
		self.assertFalse(frappe.db.get_value("Sales Visit Log", visit.name, "photo"))

	def test_a_condition_that_could_hang_every_save_is_refused_when_saved(self):
		for condition in ("9**9**9 > 1", "'x' * 10**9 == ''", "doc.customer_name * 100000000 != ''"):
			checkpoint = frappe.get_doc("Sales Checkpoint", "Competitor Response Record")
			checkpoint.condition = condition
			started = time.monotonic()
			with self.subTest(condition), self.assertRaises(frappe.ValidationError) as refusal:
				checkpoint.save()
			self.assertLess(time.monotonic() - started, 2)
			self.assertIn("cannot be evaluated", str(refusal.exception))
		self.assertFalse(frappe.db.get_value("Sales Checkpoint", "Competitor Response Record", "condition"))

	def test_orders_without_an_opportunity_are_never_blocked(self):
		customer = make_customer()
		order = frappe.get_doc(
			{
				"doctype": "Sales Order",
				"company": self.company,
				"customer": customer,
				"order_type": "Shopping Cart",
				"transaction_date": today(),
				"delivery_date": add_days(today(), 5),
				"items": [
					{"item_code": make_item(), "qty": 1, "rate": 100, "delivery_date": add_days(today(), 5)}
				],
			}
		)
		order.insert()
		order.submit()
		self.assertEqual(order.docstatus, 1)
		self.assertFalse(
			frappe.db.exists("Sales Checkpoint Record", {"trigger_key": f"Sales Order:{order.name}"})
		)

	def test_records_of_a_cancelled_or_deleted_quotation_are_closed_as_cancelled(self):
		deal = self.deal(party_name=make_customer())
		draft = make_quotation(deal.name, [make_item()])
		(record,) = [r for r in records(deal.name, "Solution Match Verification")]
		frappe.delete_doc("Quotation", draft.name)
		self.assertEqual(frappe.db.get_value("Sales Checkpoint Record", record.name, "status"), "Cancelled")
		submitted = make_quotation(deal.name, [make_item()])
		submitted.submit()
		order = make_sales_order_from(submitted.name)
		(contract,) = [
			r for r in records(deal.name, "Contract Terms Consensus") if order.name in r.trigger_key
		]
		order.delete()
		self.assertEqual(frappe.db.get_value("Sales Checkpoint Record", contract.name, "status"), "Cancelled")

	def test_the_hourly_light_change_updates_the_deals_compliance(self):
		deal = self.deal()
		self.complete(deal.name, "Requirement Clarification")  # 1 of 1 due: 100 %
		self.assertEqual(frappe.db.get_value("Opportunity", deal.name, "sp_compliance"), 100)
		frappe.get_doc(
			{
				"doctype": "Sales Risk Signal",
				"reference_doctype": "Opportunity",
				"reference_name": deal.name,
				"risk_type": "Must Go to Tender",
			}
		).insert(ignore_permissions=True)  # Risk Pre-registration, due immediately
		refresh_checkpoint_lights(now=add_to_date(None, hours=1))
		self.assertEqual(frappe.db.get_value("Opportunity", deal.name, "sp_compliance"), 50)
