import frappe
from frappe import _
from frappe.model.document import Document

from sales_process.process import deal_rollup, objections, visit_rollup
from sales_process.process.guards import changed_fields, require_write_on_deal
from sales_process.setup.indexes import drop_superseded_index

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
	"flag_codes",
	"reviewed_by",
	"reviewed_on",
	"review_comment",
	"site_located_by",
	"site_location_confirmed_by",
	"check_out_time",
	"duration",
	"stage_before",
	"stage_after",
	"photo",
	"photo_original",
	"photo_sha256",
)

# Written by the server when the visit's deal progresses (process.visits.mark_progress), after the
# visit was checked in: a form open since then still holds the old value, so a save keeps the stored
# one instead of refusing.
SERVER_KEPT_FIELDS = ("progressed_on",)


VISITED_FIELDS = ("party_type", "party", "address", "reference_doctype", "reference_name")


class SalesVisitLog(Document):
	def onload(self):
		# why it was flagged, in the language of whoever opens it
		from sales_process.process.visits import flag_text

		self.set_onload("flags", flag_text(self.flag_codes) if self.flag_codes else (self.flags_note or ""))

	def validate(self):
		self.company = self.deal_company()
		if self.flags.sp_system_write:
			self.flags.sp_system_write = False
			return
		if self.is_new():
			# the visit belongs to whoever logs it; check-in data comes only from the server
			self.rep = frappe.session.user
			for fieldname in (*STAMPED_FIELDS[1:], *SERVER_KEPT_FIELDS):
				self.set(fieldname, None)
			self.status = "Planned"
			self.validate_opportunity()
			require_write_on_deal(self)
			return
		before = self.get_doc_before_save()
		for fieldname in SERVER_KEPT_FIELDS if before else ():
			self.set(fieldname, before.get(fieldname))
		changed = changed_fields(self, before, STAMPED_FIELDS)
		if changed:
			frappe.throw(
				_("These fields are stamped by the server and cannot be edited: {0}.").format(
					", ".join(_(self.meta.get_label(f)) for f in changed)
				),
				frappe.PermissionError,
			)
		if before and before.check_in_time and changed_fields(self, before, VISITED_FIELDS):
			frappe.throw(
				_("The visited party, address and opportunity cannot change after check-in."),
				frappe.PermissionError,
			)
		self.validate_opportunity()

	def deal_company(self) -> str | None:
		"""The server's fact, whatever a request sent: the visited deal's company (the reports'
		company filter reads it)."""
		if self.reference_doctype != "Opportunity" or not self.reference_name:
			return None
		return frappe.db.get_value("Opportunity", self.reference_name, "company")

	def validate_opportunity(self):
		"""The opportunity must be the visited party's, so risks and stages land on the right deal."""
		if not self.reference_name or self.reference_doctype != "Opportunity":
			return
		party = frappe.db.get_value(
			"Opportunity", self.reference_name, ["opportunity_from", "party_name"], as_dict=True
		)
		if not party or (party.opportunity_from, party.party_name) != (self.party_type, self.party):
			frappe.throw(
				_(
					"Opportunity {0} is not for {1}: choose one of {1}'s opportunities or leave it empty."
				).format(self.reference_name, self.party)
			)

	def after_insert(self):
		"""A visit on the deal by an alert's recipient is acting on the alert."""
		if self.reference_doctype and self.reference_name:
			from sales_process.engine.alerts import Acted
			from sales_process.process import alerts

			alerts.acted(Acted.VISIT, self.rep, reference=(self.reference_doctype, self.reference_name))

	def on_update(self):
		visit_rollup.visit_written(self)
		deal_rollup.visit_changed(self)
		if not self.has_value_changed("summary"):
			return
		suggestion = objections.suggest(self.summary)
		if suggestion != self.suggested_objection_type:
			self.db_set("suggested_objection_type", suggestion, update_modified=False)
		objections.raise_risks_in(self.summary, self.reference_doctype, self.reference_name, self)

	def on_trash(self):
		"""A visit that was checked in is evidence: its stamps and photos stay."""
		if frappe.db.get_value(self.doctype, self.name, "check_in_time"):
			frappe.throw(
				_("Visit {0} was checked in: it is evidence and cannot be deleted.").format(self.name),
				frappe.PermissionError,
				title=_("Evidence Is Immutable"),
			)
		visit_rollup.visit_deleted(self)
		deal_rollup.visit_changed(self, deleted=True)


# Visit Effectiveness reads whole months from its rollup (Sales Visit Month); the visits themselves
# only for a part of a month and for the last N days' visits still waiting for progress, which
# this index finds by time and counts without reading the rows (2,830 of InnoDB's 3,072 key bytes:
# the durations' status and duration stay in the rows).
VISIT_REPORT_COLUMNS = [
	"check_in_time",
	"rep",
	"company",
	"progressed_on",
	"reference_doctype",
	"reference_name",
	"geofence_result",
	"needs_review",
]
# named anew when its columns change: add_index keeps an index whose name already exists
VISIT_REPORT_INDEX = "visit_counts_report_index"
FORMER_VISIT_REPORT_INDEXES = (
	"visit_report_index",
	"visit_progress_report_index",
	"visit_company_report_index",
)


def on_doctype_update():
	frappe.db.add_index("Sales Visit Log", ["rep", "check_in_time"])
	frappe.db.add_index("Sales Visit Log", VISIT_REPORT_COLUMNS, VISIT_REPORT_INDEX)
	for index in FORMER_VISIT_REPORT_INDEXES:
		drop_superseded_index("Sales Visit Log", index)
	# a lead's visits (lead scoring reads a batch of leads' engagements)
	frappe.db.add_index("Sales Visit Log", ["party_type", "party"], "sp_visit_party")
