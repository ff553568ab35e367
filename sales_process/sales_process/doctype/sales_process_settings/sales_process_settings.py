import frappe
from frappe import _
from frappe.model.document import Document


class SalesProcessSettings(Document):
	def validate(self):
		if not 0 < (self.due_soon_percent or 0) <= 100:
			frappe.throw(_("Due Soon After must be between 1 and 100 % of the window."))
		if (self.default_stall_hours or 0) < 0:
			frappe.throw(_("Default Stage Stall Limit cannot be negative."))
