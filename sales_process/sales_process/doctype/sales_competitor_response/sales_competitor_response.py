import frappe
from frappe import _
from frappe.model.document import Document

from sales_process.adapters import opportunity
from sales_process.process import checkpoints


class SalesCompetitorResponse(Document):
	def validate(self):
		if not frappe.db.exists(self.reference_doctype, self.reference_name):
			frappe.throw(_("{0} {1} does not exist.").format(_(self.reference_doctype), self.reference_name))
		if not self.assigned_to:
			self.assigned_to = frappe.session.user
		existing = frappe.db.get_value(
			"Sales Competitor Response",
			{
				"reference_doctype": self.reference_doctype,
				"reference_name": self.reference_name,
				"competitor": self.competitor,
				"name": ("!=", self.name),
			},
		)
		if existing:
			frappe.throw(
				_("{0} already has a response to {1}: open {2} to update it.").format(
					self.reference_name,
					frappe.bold(self.competitor),
					frappe.utils.get_link_to_form(self.doctype, existing),
				),
				frappe.DuplicateEntryError,
			)

	def on_update(self):
		"""Filling the form is the evidence: complete the deal's open competitor checkpoints it satisfies.

		A response for a competitor the deal does not name yet adds it first,
		which starts that competitor's checkpoint.
		"""
		if self.reference_doctype == opportunity.DOCTYPE:
			opportunity.add_competitor(self.reference_name, self.competitor)
		checkpoints.settle_started_by(
			self.reference_doctype,
			self.reference_name,
			checkpoints.COMPETITOR_KEY_PREFIX + self.competitor,
			_("Completed by Sales Competitor Response {0}").format(self.name),
		)


def on_doctype_update():
	frappe.db.add_index("Sales Competitor Response", ["reference_doctype", "reference_name"])
