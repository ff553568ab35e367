import frappe
from frappe.utils import add_to_date, now_datetime

from sales_process import api
from sales_process.tasks import refresh_checkpoint_lights
from sales_process.testing import (
	EnrolledCompanyTestCase,
	attach_file,
	make_opportunity,
	make_sales_person,
	make_user,
	records,
)

REP = "sp-rep@example.com"
OTHER_REP = "sp-other-rep@example.com"
MANAGER = "sp-manager@example.com"
TEAM_LEAD = "sp-team-lead@example.com"


class TestSalesCheckpointRecord(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP, ["Sales User"])
		make_user(OTHER_REP, ["Sales User"])
		make_user(MANAGER, ["Sales User", "Sales Manager"])
		make_user(TEAM_LEAD, ["Sales User"])
		lead = make_sales_person("_SP Team Lead", TEAM_LEAD, cls.company, is_group=1)
		make_sales_person("_SP Rep", REP, cls.company, parent=lead)

	def tearDown(self):
		frappe.set_user("Administrator")

	def _record(self, owner=REP):
		opportunity = make_opportunity(self.company, opportunity_owner=owner)
		(record,) = records(opportunity.name, "Requirement Clarification")
		return frappe.get_doc("Sales Checkpoint Record", record.name)

	def test_missing_evidence_is_refused_and_nothing_is_written(self):
		record = self._record()
		with self.assertRaises(frappe.ValidationError) as refusal:
			api.complete_checkpoint(record.name, summary="ok")
		self.assertIn("Attach the requirement confirmation signed by the customer", str(refusal.exception))
		self.assertIn("at least 10 characters", str(refusal.exception))
		self.assertEqual(frappe.db.get_value("Sales Checkpoint Record", record.name, "status"), "Pending")

	def test_evidence_must_be_uploaded_to_the_record_itself_and_stays_private(self):
		record = self._record()
		other = self._record()
		foreign = attach_file(other.name)
		with self.assertRaises(frappe.ValidationError) as refusal:
			api.complete_checkpoint(record.name, summary="Signed requirement confirmed", attachment=foreign)
		self.assertIn("is not attached to it", str(refusal.exception))

		public = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": "public-evidence.txt",
				"attached_to_doctype": "Sales Checkpoint Record",
				"attached_to_name": record.name,
				"content": b"signed",
				"is_private": 0,
			}
		).insert(ignore_permissions=True)
		with self.assertRaises(frappe.ValidationError) as refusal:
			api.complete_checkpoint(
				record.name, summary="Signed requirement confirmed", attachment=public.file_url
			)
		self.assertIn("Evidence must be private", str(refusal.exception))
		self.assertEqual(frappe.db.get_value("File", public.name, "is_private"), 0)  # left as it was
		frappe.delete_doc("File", public.name)  # the rep removes it, as the message says

		private = attach_file(record.name)
		api.complete_checkpoint(record.name, summary="Signed requirement confirmed", attachment=private)
		files = frappe.get_all(
			"File",
			filters={
				"attached_to_doctype": "Sales Checkpoint Record",
				"attached_to_name": record.name,
				"attached_to_field": "attachment",
			},
			fields=["file_url", "is_private"],
		)
		# one private file for the field: Frappe made no public copy when the record was saved
		self.assertEqual([(f.file_url, f.is_private) for f in files], [(private, 1)])

	def test_missing_evidence_reads_in_the_users_language(self):
		from sales_process.engine.evidence import EvidenceInput, missing_evidence
		from sales_process.engine.rules import EvidenceKind, EvidenceRequirement
		from sales_process.process.evidence import translate

		(missing,) = missing_evidence(
			(EvidenceRequirement(EvidenceKind.ATTACHMENT, "the meeting minutes"),), EvidenceInput()
		)
		frappe.local.lang = "zh"
		try:
			self.assertEqual(translate(missing), "请上传沟通纪要")
		finally:
			frappe.local.lang = "en"

	def test_completed_evidence_cannot_be_altered(self):
		record = self._record()
		api.complete_checkpoint(
			record.name, summary="Signed requirement confirmed", attachment=attach_file(record.name)
		)
		record.reload()
		record.summary = "rewritten later"
		with self.assertRaises(frappe.PermissionError):
			record.save()
		with self.assertRaises(frappe.ValidationError):
			api.complete_checkpoint(record.name, summary="again and again", attachment=record.attachment)
		evidence = frappe.get_all(
			"File",
			filters={"attached_to_doctype": "Sales Checkpoint Record", "attached_to_name": record.name},
			pluck="name",
		)
		with self.assertRaises(frappe.PermissionError):
			frappe.delete_doc("File", evidence[0])

	def test_status_and_dates_cannot_be_forged_through_the_form(self):
		record = self._record()
		record.status = "Completed"
		with self.assertRaises(frappe.PermissionError):
			record.save()
		record.reload()
		record.due_on = add_to_date(now_datetime(), days=30)
		with self.assertRaises(frappe.PermissionError):
			record.save()

	def test_records_cannot_be_created_by_hand(self):
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc(
				{
					"doctype": "Sales Checkpoint Record",
					"checkpoint": "Requirement Clarification",
					"status": "Completed",
				}
			).insert()

	def test_only_the_waiver_role_can_waive_and_a_reason_is_required(self):
		record = self._record()
		frappe.set_user(REP)
		with self.assertRaises(frappe.PermissionError):
			api.waive_checkpoint(record.name, "please")
		frappe.set_user(MANAGER)
		with self.assertRaises(frappe.ValidationError):
			api.waive_checkpoint(record.name, "  ")
		api.waive_checkpoint(record.name, "Customer signed on paper at the fair")
		record.reload()
		self.assertEqual((record.status, record.waived_by), ("Waived", MANAGER))

	def test_a_rep_sees_own_records_and_a_manager_sees_all(self):
		own = self._record(REP)
		other = self._record(OTHER_REP)
		frappe.set_user(REP)
		visible = set(frappe.get_list("Sales Checkpoint Record", pluck="name", limit=0))
		self.assertIn(own.name, visible)
		self.assertNotIn(other.name, visible)
		self.assertFalse(frappe.has_permission("Sales Checkpoint Record", "read", other.name))
		frappe.set_user(MANAGER)
		visible = set(frappe.get_list("Sales Checkpoint Record", pluck="name", limit=0))
		self.assertTrue({own.name, other.name} <= visible)

	def test_a_team_lead_sees_the_team_through_the_sales_person_tree(self):
		team = self._record(REP)
		outside = self._record(OTHER_REP)
		frappe.set_user(TEAM_LEAD)
		visible = set(frappe.get_list("Sales Checkpoint Record", pluck="name", limit=0))
		self.assertIn(team.name, visible)
		self.assertNotIn(outside.name, visible)
		# the rep does not see the lead's records the other way round
		lead_record = self._record(TEAM_LEAD)
		frappe.set_user(REP)
		self.assertFalse(frappe.has_permission("Sales Checkpoint Record", "read", lead_record.name))

	def test_a_rep_completes_own_record_with_server_time(self):
		record = self._record(REP)
		frappe.set_user(REP)
		url = attach_file(record.name)
		api.complete_checkpoint(record.name, summary="Customer needs 40 units", attachment=url)
		record.reload()
		self.assertEqual(record.completed_by, REP)
		self.assertLess(abs((record.completed_on - now_datetime()).total_seconds()), 120)

	def test_lights_turn_yellow_then_red_and_the_job_is_idempotent(self):
		record = self._record()
		start = record.triggered_on
		refresh_checkpoint_lights(now=add_to_date(start, hours=37))  # 77 % of 48 h
		self.assertEqual(frappe.db.get_value("Sales Checkpoint Record", record.name, "status"), "Due Soon")
		refresh_checkpoint_lights(now=add_to_date(start, hours=49))
		refresh_checkpoint_lights(now=add_to_date(start, hours=50))
		self.assertEqual(frappe.db.get_value("Sales Checkpoint Record", record.name, "status"), "Overdue")
		# a closed record keeps its status whatever the clock says
		api.complete_checkpoint(
			record.name, summary="Signed requirement confirmed", attachment=attach_file(record.name)
		)
		record.reload()
		self.assertEqual(record.status, "Completed")
		refresh_checkpoint_lights(now=add_to_date(start, hours=99))
		self.assertEqual(frappe.db.get_value("Sales Checkpoint Record", record.name, "status"), "Completed")
