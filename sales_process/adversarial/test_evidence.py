"""A rep tries to satisfy a checkpoint with an empty answer, or to alter evidence afterwards
(issue 11, "Evidence checks cannot be satisfied by an empty answer" and "Evidence is immutable")."""

import frappe

from sales_process import api
from sales_process.testing import (
	SALES_USER,
	AdversaryTestCase,
	as_user,
	attach_file,
	check_in_with_photo,
	client_set_value,
	disk_sha256,
	make_customer,
	make_item,
	make_quotation,
	past_sales_order,
	records,
	rest_delete,
	rest_put,
	run_doc_method,
)


class TestEmptyAnswers(AdversaryTestCase):
	def test_a_zero_percent_match_is_not_completed_by_tapping_complete(self):
		customer = make_customer()
		past_sales_order(self.company, customer, [make_item()])  # the customer has history...
		deal = self.deal(party_name=customer)
		quotation = make_quotation(deal.name, [make_item()])  # ...and none of these items
		(record,) = [r for r in records(deal.name, "Solution Match Verification")]
		self.assertEqual(frappe.db.get_value("Quotation", quotation.name, "sp_match_ratio"), 0)
		exception = self.assertRefusedUnchanged(
			lambda: api.complete_checkpoint(record.name), "Sales Checkpoint Record", record.name
		)
		self.assertIn("0%", str(exception))
		with as_user(SALES_USER):
			quotation.reload()
			self.assertRaises(frappe.ValidationError, quotation.submit)
		self.assertEqual(frappe.db.get_value("Quotation", quotation.name, "docstatus"), 0)

	def test_no_history_is_a_fact_the_server_finds(self):
		deal = self.deal(party_name=make_customer())  # a new customer
		quotation = make_quotation(deal.name, [make_item()])
		(record,) = records(deal.name, "Solution Match Verification")
		with as_user(SALES_USER):
			api.complete_checkpoint(record.name)
		done = frappe.get_doc("Sales Checkpoint Record", record.name)
		self.assertEqual(done.status, "Completed")
		self.assertIn(quotation.name, done.trigger_key)

	def test_a_public_file_among_the_evidence_is_refused_and_every_file_is_hashed(self):
		deal = self.deal()
		(record,) = records(deal.name, "Requirement Clarification")
		private = attach_file(record.name, b"page one")
		public = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": "public-page.txt",
				"attached_to_doctype": "Sales Checkpoint Record",
				"attached_to_name": record.name,
				"content": b"page two",
				"is_private": 0,
			}
		).insert(ignore_permissions=True)
		exception = self.assertRefusedUnchanged(
			lambda: api.complete_checkpoint(
				record.name, summary="Requirement confirmed in writing", attachment=private
			),
			"Sales Checkpoint Record",
			record.name,
		)
		self.assertIn("public-page.txt", str(exception))
		frappe.delete_doc("File", public.name)
		second = attach_file(record.name, b"page two, private")
		with as_user(SALES_USER):
			api.complete_checkpoint(
				record.name, summary="Requirement confirmed in writing", attachments=[private, second]
			)
		done = frappe.get_doc("Sales Checkpoint Record", record.name)
		self.assertEqual(sorted(row.file for row in done.evidence_files), sorted([private, second]))
		self.assertTrue(all(len(row.sha256) == 64 for row in done.evidence_files))

	def test_a_file_of_another_record_is_refused(self):
		deal = self.deal()
		(record,) = records(deal.name, "Requirement Clarification")
		other = records(self.deal().name, "Requirement Clarification")[0]
		foreign = attach_file(other.name)
		self.assertRefusedUnchanged(
			lambda: api.complete_checkpoint(record.name, summary="Requirement confirmed", attachment=foreign),
			"Sales Checkpoint Record",
			record.name,
		)

	def test_a_disabled_checkpoint_cannot_be_completed_with_nothing(self):
		deal = self.deal()
		(record,) = records(deal.name, "Requirement Clarification")
		frappe.db.set_value("Sales Checkpoint", "Requirement Clarification", "enabled", 0)
		from sales_process.process import rule_book

		rule_book.clear_cache()
		try:
			exception = self.assertRefusedUnchanged(
				lambda: api.complete_checkpoint(record.name), "Sales Checkpoint Record", record.name
			)
			self.assertIn("waive", str(exception))
		finally:
			frappe.db.set_value("Sales Checkpoint", "Requirement Clarification", "enabled", 1)
			rule_book.clear_cache()


class TestImmutableEvidence(AdversaryTestCase):
	def completed_evidence(self):
		deal = self.deal()
		(row,) = records(deal.name, "Requirement Clarification")
		url = attach_file(row.name, b"signed requirement confirmation")
		with as_user(SALES_USER):
			api.complete_checkpoint(row.name, summary="Requirement confirmed in writing", attachment=url)
		file_name = frappe.db.get_value("File", {"file_url": url, "attached_to_name": row.name})
		return row.name, file_name, url

	def test_completed_evidence_cannot_be_deleted_made_public_moved_renamed_or_rewritten(self):
		record, file_name, url = self.completed_evidence()
		self.assertIsNotNone(disk_sha256(url))

		def remove_attach():
			from frappe.desk.form.utils import remove_attach

			frappe.local.form_dict = frappe._dict(fid=file_name, dt="Sales Checkpoint Record", dn=record)
			remove_attach()

		def optimize():
			run_doc_method("File", file_name, "optimize_file")

		other = records(self.deal().name, "Requirement Clarification")[0].name
		attacks = {
			"REST DELETE": lambda: rest_delete("File", file_name),
			"remove attachment": remove_attach,
			"frappe.delete_doc": lambda: frappe.delete_doc("File", file_name),
			"make public": lambda: client_set_value("File", file_name, "is_private", 0),
			"move to another record": lambda: rest_put("File", file_name, {"attached_to_name": other}),
			"rename": lambda: client_set_value("File", file_name, "file_name", "innocent.txt"),
			"optimize": optimize,
		}
		for entry, attack in attacks.items():
			with self.subTest(entry):
				self.assertRefusedUnchanged(attack, "File", file_name, files=[url])
		# not even a System Manager deletes it
		self.assertRaises(frappe.PermissionError, frappe.delete_doc, "File", file_name)
		self.assertIsNotNone(disk_sha256(url))

	def test_no_file_can_be_added_to_closed_evidence(self):
		record, _file, _url = self.completed_evidence()
		with as_user(SALES_USER), self.assertRaises(frappe.PermissionError):
			attach_file(record, b"a better confirmation")

	def test_the_closed_record_itself_cannot_be_deleted(self):
		record, _file, url = self.completed_evidence()
		self.assertRaises(frappe.PermissionError, frappe.delete_doc, "Sales Checkpoint Record", record)
		self.assertIsNotNone(disk_sha256(url))

	def test_visit_photos_are_immutable_too(self):
		visit = check_in_with_photo(self.company)
		for fieldname in ("photo", "photo_original"):
			url = visit.get(fieldname)
			file_name = frappe.db.get_value("File", {"file_url": url, "attached_to_name": visit.name})
			for entry, attack in {
				"REST DELETE": lambda file_name=file_name: rest_delete("File", file_name),
				"make public": lambda file_name=file_name: client_set_value(
					"File", file_name, "is_private", 0
				),
				"detach": lambda file_name=file_name: rest_put(
					"File", file_name, {"attached_to_field": None}
				),
			}.items():
				with self.subTest(fieldname=fieldname, entry=entry):
					self.assertRefusedUnchanged(attack, "File", file_name, files=[url])
		self.assertRaises(frappe.PermissionError, frappe.delete_doc, "Sales Visit Log", visit.name)


class TestServerFields(AdversaryTestCase):
	def test_the_deals_compliance_and_memory_are_the_servers(self):
		deal = self.deal(industry=None)
		stored = frappe.db.get_value(
			"Opportunity", deal.name, ["sp_compliance", "sp_scope_seen", "sp_stage_entered_on"], as_dict=True
		)
		forged = {"sp_compliance": 100, "sp_scope_seen": "{}", "sp_stage_entered_on": "2020-01-01 00:00:00"}
		with as_user(SALES_USER):
			rest_put("Opportunity", deal.name, forged)
			client_set_value("Opportunity", deal.name, "sp_compliance", 100)
		self.assertEqual(
			frappe.db.get_value(
				"Opportunity",
				deal.name,
				["sp_compliance", "sp_scope_seen", "sp_stage_entered_on"],
				as_dict=True,
			),
			stored,
		)

	def test_the_match_ratio_is_the_servers_before_and_after_submit(self):
		customer = make_customer()
		item = make_item()
		past_sales_order(self.company, customer, [item])
		deal = self.deal(party_name=customer)
		quotation = make_quotation(deal.name, [item, make_item()])  # 50 %
		with as_user(SALES_USER):
			rest_put("Quotation", quotation.name, {"sp_match_ratio": 100})
		self.assertEqual(frappe.db.get_value("Quotation", quotation.name, "sp_match_ratio"), 50)
		# after submit (the ratio would be refused below 90 %: waive to get it through)
		(record,) = records(deal.name, "Solution Match Verification")
		frappe.set_user("Administrator")
		api.waive_checkpoint(record.name, "Pilot customer, approved by the director")
		quotation.reload()
		quotation.submit()
		self.assertRefusedUnchanged(
			lambda: client_set_value("Quotation", quotation.name, "sp_match_ratio", 100),
			"Quotation",
			quotation.name,
		)
