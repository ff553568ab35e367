import frappe
from frappe import _
from frappe.model.document import Document

from sales_process.adapters import opportunity
from sales_process.engine.triggers import competitor_key
from sales_process.process.completion import settle_started_by
from sales_process.process.guards import guard_reassignment, require_write_on_deal
from sales_process.process.objections import deal_rep


class SalesCompetitorResponse(Document):
	def validate(self):
		if not frappe.db.exists(self.reference_doctype, self.reference_name):
			frappe.throw(_("{0} {1} does not exist.").format(_(self.reference_doctype), self.reference_name))
		if self.is_new():
			require_write_on_deal(self)
			# the response belongs to the deal's rep, so the deal's team sees it
			self.assigned_to = deal_rep(self.reference_doctype, self.reference_name) or frappe.session.user
		else:
			guard_reassignment(self)
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
		settle_started_by(
			self.reference_doctype,
			self.reference_name,
			competitor_key(self.competitor),
			_("Completed by Sales Competitor Response {0}").format(self.name),
		)


def on_doctype_update():
	frappe.db.add_index("Sales Competitor Response", ["reference_doctype", "reference_name"])
