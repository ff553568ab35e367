"""Shared fixtures for the app's Frappe integration tests (run on a bench, never by pytest in CI)."""

from __future__ import annotations

import frappe
from frappe.utils import add_days, random_string, today

try:  # Frappe v16
	from frappe.tests import IntegrationTestCase as SalesProcessTestCase
except ImportError:  # Frappe v15
	from frappe.tests.utils import FrappeTestCase as SalesProcessTestCase

__all__ = ["EnrolledCompanyTestCase", "SalesProcessTestCase", "before_tests"]


def before_tests():
	"""ERPNext needs a completed setup (a company, fiscal year, defaults) before any test."""
	from erpnext.setup.utils import before_tests as erpnext_before_tests

	erpnext_before_tests()


class EnrolledCompanyTestCase(SalesProcessTestCase):
	"""Tests that work on deals of a company under process control (`cls.company`)."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = test_company()
		enroll(cls.company)


def test_company() -> str:
	company = frappe.db.get_value("Company", {}, "name", order_by="creation asc")
	if not company:
		raise RuntimeError("No company: complete the ERPNext setup wizard before running these tests")
	return company


def enroll(company: str, enabled: bool = True):
	settings = frappe.get_single("Sales Process Settings")
	settings.enabled = int(enabled)
	if company not in {row.company for row in settings.companies}:
		settings.append("companies", {"company": company})
	settings.save(ignore_permissions=True)


def unenroll(company: str):
	settings = frappe.get_single("Sales Process Settings")
	settings.companies = [row for row in settings.companies if row.company != company]
	settings.save(ignore_permissions=True)


def leaf(doctype: str) -> str:
	return frappe.db.get_value(doctype, {"is_group": 0}, "name", order_by="creation asc")


def make_customer(name: str | None = None) -> str:
	name = name or f"_SP Customer {random_string(6)}"
	if not frappe.db.exists("Customer", name):
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": name,
				"customer_group": leaf("Customer Group"),
				"territory": leaf("Territory"),
			}
		).insert(ignore_permissions=True)
	return name


def make_item(code: str | None = None) -> str:
	code = code or f"_SP-ITEM-{random_string(6)}"
	if not frappe.db.exists("Item", code):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": code,
				"item_group": leaf("Item Group"),
				"stock_uom": "Nos",
				"is_stock_item": 0,
			}
		).insert(ignore_permissions=True)
	return code


def make_opportunity(company: str, customer: str | None = None, stage: str = "Prospecting", **fields):
	doc = frappe.get_doc(
		{
			"doctype": "Opportunity",
			"company": company,
			"opportunity_from": "Customer",
			"party_name": customer or make_customer(),
			"opportunity_type": "Sales",
			"conversion_rate": 1.0,
			"transaction_date": today(),
			"sales_stage": stage,
			**fields,
		}
	)
	return doc.insert(ignore_permissions=True)


def make_quotation(opportunity: str, items: list[str], rate: float = 100):
	from erpnext.crm.doctype.opportunity.opportunity import make_quotation as erpnext_make_quotation

	quotation = erpnext_make_quotation(opportunity)
	quotation.items = []
	for item in items:
		quotation.append("items", {"item_code": item, "qty": 1, "rate": rate})
	quotation.run_method("set_missing_values")
	quotation.run_method("calculate_taxes_and_totals")
	return quotation.insert(ignore_permissions=True)


def make_sales_order_from(quotation: str):
	from erpnext.selling.doctype.quotation.quotation import make_sales_order

	sales_order = make_sales_order(quotation)
	sales_order.delivery_date = add_days(today(), 10)
	for item in sales_order.items:
		item.delivery_date = sales_order.delivery_date
	return sales_order.insert(ignore_permissions=True)


def past_sales_order(company: str, customer: str, items: list[str]):
	"""A submitted Sales Order: the customer's purchase history."""
	sales_order = frappe.get_doc(
		{
			"doctype": "Sales Order",
			"company": company,
			"customer": customer,
			"transaction_date": today(),
			"delivery_date": add_days(today(), 5),
			"items": [
				{"item_code": item, "qty": 1, "rate": 100, "delivery_date": add_days(today(), 5)}
				for item in items
			],
		}
	)
	sales_order.insert(ignore_permissions=True)
	sales_order.submit()
	return sales_order


def attach_file(record_name: str, content: bytes = b"signed confirmation") -> str:
	file = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"evidence-{random_string(5)}.txt",
			"attached_to_doctype": "Sales Checkpoint Record",
			"attached_to_name": record_name,
			"content": content,
			"is_private": 1,
		}
	).insert(ignore_permissions=True)
	return file.file_url


def records(opportunity: str, checkpoint: str | None = None) -> list:
	filters = {"reference_doctype": "Opportunity", "reference_name": opportunity}
	if checkpoint:
		filters["checkpoint"] = checkpoint
	return frappe.get_all(
		"Sales Checkpoint Record",
		filters=filters,
		fields=["name", "checkpoint", "status", "trigger_key", "due_on", "triggered_on"],
		order_by="creation asc",
	)


def make_user(email: str, roles: list[str]) -> str:
	if not frappe.db.exists("User", email):
		user = frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": email.split("@")[0], "send_welcome_email": 0}
		)
		user.insert(ignore_permissions=True)
	user = frappe.get_doc("User", email)
	user.add_roles(*roles)
	return email


def make_site_address(party_type: str, party: str, latitude=None, longitude=None) -> str:
	address = frappe.get_doc(
		{
			"doctype": "Address",
			"address_title": f"{party} plant",
			"address_type": "Billing",
			"address_line1": "1 Harbour Road",
			"city": "Ningbo",
			"country": frappe.db.get_value("Country", {}, "name", order_by="name asc")
			if not frappe.db.exists("Country", "China")
			else "China",
			"is_primary_address": 1,
			"sp_latitude": latitude,
			"sp_longitude": longitude,
			"links": [{"link_doctype": party_type, "link_name": party}],
		}
	)
	return address.insert(ignore_permissions=True).name


def make_visit(customer: str, opportunity: str | None = None):
	return frappe.get_doc(
		{
			"doctype": "Sales Visit Log",
			"party_type": "Customer",
			"party": customer,
			"reference_doctype": "Opportunity",
			"reference_name": opportunity,
		}
	).insert()


def jpeg_bytes(width=320, height=240) -> bytes:
	import io

	from PIL import Image

	out = io.BytesIO()
	Image.new("RGB", (width, height), (40, 140, 90)).save(out, format="JPEG")
	return out.getvalue()


def upload_to(doctype: str, name: str, content: bytes, file_name: str) -> str:
	file = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": file_name,
			"attached_to_doctype": doctype,
			"attached_to_name": name,
			"content": content,
			"is_private": 1,
		}
	).insert(ignore_permissions=True)
	return file.file_url
