import frappe
from frappe import _
from frappe.model.document import Document

from sales_process.process import objections

# Stamped by the server at check-in, check-out and photo time; never edited by hand.
STAMPED_FIELDS = (
	"rep",
	"status",
	"check_in_time",
	"check_in_latitude",
	"check_in_longitude",
	"check_in_accuracy",
	"device",
	"distance_m",
	"geofence_result",
	"travel_speed_kmh",
	"needs_review",
	"flags_note",
	"check_out_time",
	"duration",
	"stage_before",
	"stage_after",
	"photo",
	"photo_original",
	"photo_sha256",
)


class SalesVisitLog(Document):
	def validate(self):
		if self.flags.sp_system_write:
			self.flags.sp_system_write = False
			return
		if self.is_new():
			# the visit belongs to whoever logs it; check-in data comes only from the server
			self.rep = frappe.session.user
			for fieldname in STAMPED_FIELDS[1:]:
				self.set(fieldname, None)
			self.status = "Planned"
			return
		before = self.get_doc_before_save()
		changed = [f for f in STAMPED_FIELDS if str(self.get(f) or "") != str(before.get(f) or "")]
		if changed:
			frappe.throw(
				_("{0} of a visit are stamped by the server and cannot be edited.").format(
					", ".join(_(self.meta.get_label(f)) for f in changed)
				),
				frappe.PermissionError,
			)
		if before.check_in_time and (self.party != before.party or self.address != before.address):
			frappe.throw(
				_("The visited party and address cannot change after check-in."), frappe.PermissionError
			)

	def on_update(self):
		if not self.has_value_changed("summary"):
			return
		suggestion = objections.suggest(self.summary)
		if suggestion != self.suggested_objection_type:
			self.db_set("suggested_objection_type", suggestion, update_modified=False)
		if suggestion and objections.raises_risk(suggestion) and self.reference_name:
			objections.raise_risk_signal(
				self.reference_doctype, self.reference_name, suggestion, self, self.summary
			)


def on_doctype_update():
	frappe.db.add_index("Sales Visit Log", ["rep", "check_in_time"])
