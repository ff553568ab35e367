"""Shared fixtures for the app's Frappe integration tests (run on a bench, never by pytest in CI)."""

from __future__ import annotations

from contextlib import contextmanager

import frappe
from frappe.utils import add_days, random_string, today

from sales_process.pdf import minimal_pdf  # noqa: F401  (tests import it from here)

try:  # Frappe v16
	from frappe.tests import IntegrationTestCase as SalesProcessTestCase
except ImportError:  # Frappe v15
	from frappe.tests.utils import FrappeTestCase as SalesProcessTestCase

__all__ = ["EnrolledCompanyTestCase", "SalesProcessTestCase", "before_tests"]

SALES_USER = "sp-rep@example.com"
OTHER_REP = "sp-other-rep@example.com"
SALES_MANAGER = "sp-manager@example.com"


def before_tests():
	"""ERPNext needs a completed setup (a company, fiscal year, defaults) before any test.

	v15 runs its setup wizard (`erpnext.setup.utils.before_tests`); v16 and later build
	their test data when `erpnext.tests.utils` is imported, and have no such function.
	"""
	try:
		from erpnext.setup.utils import before_tests as erpnext_before_tests
	except ImportError:
		import erpnext.tests.utils  # noqa: F401  (BootStrapTestData runs on import)

		return
	erpnext_before_tests()


class EnrolledCompanyTestCase(SalesProcessTestCase):
	"""Tests that work on deals of a company under process control (`cls.company`)."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = test_company()
		enroll(cls.company)


def insert_counted(doc):
	"""Insert a fixture row without its controller (a past moment, a hand-made state), and count it
	into the report rollups as the controller would have."""
	from sales_process.process import rollups

	doc.db_insert()
	for rollup in rollups.every_rollup():
		if rollup.source == doc.doctype:
			rollups.apply(rollup, [], [rollups.values_of(rollup, doc)])
	return doc


def every_rep_rows_and_their_sums(rollup) -> tuple[dict, dict]:
	"""A rollup's stored rows over every rep, and the same keys summed from its reps' rows: the two
	are equal whenever the writes kept the rollup exact."""
	from sales_process.engine.rollup import EVERY_REP
	from sales_process.process import rollups

	position = rollup.keys.index(rollup.every_rep_key)
	every, summed = {}, {}
	for key, change in rollups.stored(rollup).items():
		if key[position] == EVERY_REP:
			every[key] = change.without_zeros()
		else:
			total_key = (*key[:position], EVERY_REP, *key[position + 1 :])
			summed.setdefault(total_key, rollups.Change()).add(change)
	summed = {key: change.without_zeros() for key, change in summed.items() if not change.is_zero()}
	return every, summed


def test_company() -> str:
	company = frappe.db.get_value("Company", {}, "name", order_by="creation asc")
	if not company:
		raise RuntimeError("No company: complete the ERPNext setup wizard before running these tests")
	return company


def make_company(name: str, abbr: str) -> str:
	"""A second company like the test company (its currency and country, a standard chart)."""
	if not frappe.db.exists("Company", name):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": name,
				"abbr": abbr,
				"default_currency": frappe.db.get_value("Company", {}, "default_currency"),
				"country": frappe.db.get_value("Company", {}, "country"),
				"create_chart_of_accounts_based_on": "Standard Template",
				"chart_of_accounts": "Standard",
			}
		).insert(ignore_permissions=True)
	return name


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


# acting as a user, through the same entry points a browser or an API client uses


@contextmanager
def as_user(user: str):
	previous = frappe.session.user
	frappe.set_user(user)
	try:
		yield
	finally:
		frappe.set_user(previous)


def rest_put(doctype: str, name: str, values: dict):
	"""PUT /api/resource/<doctype>/<name> (frappe.api.v1.update_doc with the request body)."""
	from frappe.api.v1 import update_doc

	frappe.local.form_dict = frappe._dict(data=frappe.as_json(values))
	try:
		return update_doc(doctype, name)
	finally:
		frappe.local.form_dict = frappe._dict()


def rest_post(doctype: str, values: dict):
	"""POST /api/resource/<doctype> (frappe.api.v1.create_doc)."""
	from frappe.api.v1 import create_doc

	frappe.local.form_dict = frappe._dict(data=frappe.as_json(values))
	try:
		return create_doc(doctype)
	finally:
		frappe.local.form_dict = frappe._dict()


def rest_delete(doctype: str, name: str):
	"""DELETE /api/resource/<doctype>/<name> (frappe.api.v1.delete_doc)."""
	from frappe.api.v1 import delete_doc

	return delete_doc(doctype, name)


def desk_save(doctype: str, name: str, values: dict):
	"""The form's Save button (frappe.desk.form.save.savedocs with the whole document)."""
	from frappe.desk.form.save import savedocs

	doc = frappe.get_doc(doctype, name).as_dict()
	doc.update(values)
	return savedocs(frappe.as_json(doc), "Save")


def client_set_value(doctype: str, name: str, fieldname, value=None):
	from frappe.client import set_value

	return set_value(doctype, name, fieldname, value)


def client_save(doctype: str, name: str, values: dict):
	"""frappe.client.save with the document as the desk sends it, changed by `values`."""
	from frappe.client import save

	doc = frappe.get_doc(doctype, name).as_dict()
	doc.update(values)
	return save(frappe.as_json(doc))


def bulk_edit(doctype: str, name: str, values: dict):
	"""The list view's Edit action for one document: what frappe.desk.doctype.bulk_update._bulk_action
	does per document (`doc.update(data); doc.save()`), without its commit or its rollback of the
	whole transaction on failure, which would end the test's transaction."""
	doc = frappe.get_doc(doctype, name)
	doc.update(values)
	return doc.save()


def run_doc_method(doctype: str, name: str, method: str):
	"""POST /api/method/run_doc_method, as the desk calls a document's whitelisted method."""
	from frappe.handler import run_doc_method as handler

	previous = getattr(frappe.local, "request", None)
	frappe.local.request = frappe._dict(method="POST")
	try:
		return handler(method, dt=doctype, dn=name)
	finally:
		frappe.local.request = previous


def data_import_update(doctype: str, name: str, values: dict):
	"""Data Import's "Update Existing Records" path for one row (Importer.update_record)."""
	from frappe.core.doctype.data_import.importer import Importer

	importer = frappe._dict(doctype=doctype, data_import=frappe._dict(doctype="Data Import", name=None))
	return Importer.update_record(importer, frappe._dict(name=name, **values))


def data_import_insert(doctype: str, values: dict):
	from frappe.core.doctype.data_import.importer import Importer

	importer = frappe._dict(
		doctype=doctype, data_import=frappe._dict(doctype="Data Import", name=None, submit_after_import=0)
	)
	return Importer.insert_record(importer, frappe._dict(values))


# written by Frappe when a document is merely opened, not by what the attack sent
READ_MARKERS = ("_seen",)


def stored_row(doctype: str, name: str) -> dict:
	"""The row as the database holds it, to compare before and after an attack."""
	row = frappe.db.get_value(doctype, name, "*", as_dict=True)
	return {key: value for key, value in (row or {}).items() if key not in READ_MARKERS}


def disk_sha256(file_url: str) -> str | None:
	"""The bytes on disk behind a File URL (None when the file is gone)."""
	import hashlib
	import os

	path = (
		frappe.get_site_path(file_url.lstrip("/"))
		if file_url.startswith("/private/")
		else frappe.get_site_path("public", file_url.lstrip("/"))
	)
	if not os.path.exists(path):
		return None
	with open(path, "rb") as f:
		return hashlib.sha256(f.read()).hexdigest()


def make_team():
	"""Two reps of different teams (neither below the other in the Sales Person tree) and a Sales Manager."""
	make_user(SALES_USER, ["Sales User"])
	make_user(OTHER_REP, ["Sales User"])
	make_user(SALES_MANAGER, ["Sales User", "Sales Manager"])


def make_sales_person(
	name: str, user: str, company: str, parent: str | None = None, is_group: int = 0
) -> str:
	"""A Sales Person for `user` (through an Employee), below `parent` in the tree."""
	employee = frappe.db.get_value("Employee", {"user_id": user})
	if not employee:
		employee = (
			frappe.get_doc(
				{
					"doctype": "Employee",
					"first_name": user.split("@")[0],
					"gender": frappe.db.get_value("Gender", {}, "name"),
					"date_of_birth": "1990-01-01",
					"date_of_joining": "2020-01-01",
					"company": company,
					"user_id": user,
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
	if not frappe.db.exists("Sales Person", name):
		frappe.get_doc(
			{
				"doctype": "Sales Person",
				"sales_person_name": name,
				"employee": employee,
				"parent_sales_person": parent or frappe.db.get_value("Sales Person", {"is_group": 1}, "name"),
				"is_group": is_group,
			}
		).insert(ignore_permissions=True)
	return name


REFUSED = (frappe.ValidationError, frappe.PermissionError)


class AdversaryTestCase(EnrolledCompanyTestCase):
	"""A rep with only a Sales User login tries to get around the process.

	Each attack goes through an entry point a person or a script would use (REST,
	frappe.client, bulk edit, Data Import, File operations, the app's API); the
	test asserts the refusal and that the stored row (and the file on disk) did
	not change.
	"""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_team()

	def setUp(self):
		frappe.set_user("Administrator")

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.form_dict = frappe._dict()

	def deal(self, owner: str = SALES_USER, stage: str = "Prospecting", **fields):
		"""A deal of `owner`, created by an administrator (who may create it at any stage)."""
		return make_opportunity(self.company, stage=stage, opportunity_owner=owner, **fields)

	def complete(self, opportunity: str, checkpoint: str, summary: str = "Confirmed in writing by the buyer"):
		"""Complete a checkpoint of the deal as an administrator, with a private file and a summary."""
		from sales_process import api

		for row in records(opportunity, checkpoint):
			if row.status in ("Pending", "Due Soon", "Overdue"):
				api.complete_checkpoint(row.name, summary=summary, attachment=attach_file(row.name))

	def assertRefusedUnchanged(self, attack, doctype: str, name: str, user: str = SALES_USER, files=()):
		"""`attack()` run as `user` is refused; the row and the files on disk are as they were."""
		before = stored_row(doctype, name)
		hashes = {url: disk_sha256(url) for url in files}
		# a refused request is rolled back by Frappe's request handler; so is the attack here
		frappe.db.savepoint("sales_process_attack")
		with as_user(user), self.assertRaises(REFUSED) as refusal:
			try:
				attack()
			except Exception:
				frappe.db.rollback(save_point="sales_process_attack")
				raise
		after = stored_row(doctype, name)
		changed = {
			key: (before.get(key), after.get(key))
			for key in set(before) | set(after)
			if before.get(key) != after.get(key)
		}
		self.assertFalse(changed, f"{doctype} {name} changed although refused: {changed}")
		for url, digest in hashes.items():
			self.assertEqual(disk_sha256(url), digest, f"{url} changed on disk")
		return refusal.exception


PLANT = (29.8683, 121.5440)
NEAR_PLANT = (29.8700, 121.5450)  # about 210 m away


def check_in_with_photo(company: str, user: str = SALES_USER):
	"""A visit of `user` checked in near a confirmed site, with its photo stamped."""
	customer = make_customer()
	make_site_address("Customer", customer, *PLANT)  # located by the administrator: confirmed
	with as_user(user):
		visit = make_visit(customer)
		from sales_process import api

		api.check_in(visit.name, *NEAR_PLANT, accuracy=10)
		url = upload_to("Sales Visit Log", visit.name, jpeg_bytes(), "site.jpg")
		api.add_visit_photo(visit.name, url)
	return frappe.get_doc("Sales Visit Log", visit.name)
