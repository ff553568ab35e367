import frappe
from frappe import _
from frappe.model.document import Document

from sales_process.engine.rules import RecordStatus
from sales_process.process import compliance_rollup
from sales_process.process.guards import changed_fields

# What the process stamps; nobody edits these by hand.
SYSTEM_FIELDS = (
	"checkpoint",
	"status",
	"reference_doctype",
	"reference_name",
	"trigger_key",
	"assigned_to",
	"company",
	"customer",
	"stage",
	"triggered_on",
	"due_on",
	"due_soon_on",
	"match_ratio",
	"evidence_note",
	"evidence_hash",
	"completed_by",
	"completed_on",
	"on_time",
	"waived_by",
	"waived_on",
	"waiver_reason",
)
EVIDENCE_FIELDS = ("summary", "attachment")


class SalesCheckpointRecord(Document):
	def validate(self):
		if self.flags.sp_system_write:
			self.flags.sp_system_write = False
			self.guard_closed(allow=SYSTEM_FIELDS + EVIDENCE_FIELDS)
			return
		if self.is_new():
			frappe.throw(
				_("Checkpoint records are started by the sales process, not created by hand."),
				frappe.PermissionError,
			)
		self.guard_closed(allow=())
		self.guard_system_fields()

	def on_trash(self):
		"""A completed or waived record is the evidence that the process was followed."""
		if frappe.db.get_value(self.doctype, self.name, "status") in (
			RecordStatus.COMPLETED,
			RecordStatus.WAIVED,
		):
			frappe.throw(
				_("Checkpoint {0} is {1}: the record and its evidence cannot be deleted.").format(
					frappe.bold(_(self.checkpoint)), _(self.status)
				),
				frappe.PermissionError,
				title=_("Checkpoint Closed"),
			)
		compliance_rollup.record_deleted(self)

	def on_update(self):
		compliance_rollup.record_written(self)

	def guard_closed(self, allow):
		"""Completed and waived evidence is immutable."""
		before = self.get_doc_before_save()
		if not before or before.status not in RecordStatus.CLOSED:
			return
		changed = [f for f in changed_fields(self, before, SYSTEM_FIELDS + EVIDENCE_FIELDS) if f not in allow]
		if changed or (allow and self.status != before.status) or self.evidence_files_changed(before):
			frappe.throw(
				_("Checkpoint {0} is {1}: its evidence and status can no longer be changed.").format(
					frappe.bold(_(self.checkpoint)), _(before.status)
				),
				frappe.PermissionError,
				title=_("Checkpoint Closed"),
			)

	def guard_system_fields(self):
		before = self.get_doc_before_save()
		changed = changed_fields(self, before, SYSTEM_FIELDS)
		if self.evidence_files_changed(before):
			changed.append("evidence_files")
		if changed:
			frappe.throw(
				_(
					"These fields are set by the sales process: {0}. Use Complete or Waive in the checkpoint panel."
				).format(", ".join(_(self.meta.get_label(f)) for f in changed)),
				frappe.PermissionError,
			)

	def evidence_files_changed(self, before) -> bool:
		def rows(doc):
			return [(row.file, row.sha256) for row in doc.get("evidence_files") or []]

		return before is not None and rows(self) != rows(before)


def on_doctype_update():
	frappe.db.add_index("Sales Checkpoint Record", ["reference_doctype", "reference_name"])
	frappe.db.add_index("Sales Checkpoint Record", ["status", "due_on"])
	# the hourly yellow light looks for pending records whose due-soon time has come
	frappe.db.add_index("Sales Checkpoint Record", ["status", "due_soon_on"])
	frappe.db.add_index("Sales Checkpoint Record", ["trigger_key"])
	# Process Compliance counts the days of a month the period cuts from the records, read from
	# this index alone (23 k records of a large org's first week: 0.14 s through the rows, 0.06 s);
	# it starts with due_on, so it also serves what the field's own index did (the list's sort)
	frappe.db.add_index(
		"Sales Checkpoint Record",
		["due_on", "company", "assigned_to", "checkpoint", "stage", "status", "on_time"],
		index_name="due_counts",
	)
