import frappe
from frappe import _
from frappe.model.document import Document

from sales_process.process.alerts import render


class SalesProcessAlert(Document):
	def onload(self):
		# rendered for whoever opens it, in their language
		self.set_onload("message", render(self.message, self.message_params))

	def validate(self):
		if not self.flags.sp_system_write:
			frappe.throw(
				_("Sales Process Alerts are raised by the sales process; act on them or snooze them."),
				frappe.PermissionError,
			)


def on_doctype_update():
	frappe.db.add_index("Sales Process Alert", ["status", "level", "escalate_on"])
	frappe.db.add_index("Sales Process Alert", ["reference_doctype", "reference_name", "status"])
	frappe.db.add_index("Sales Process Alert", ["subject_doctype", "subject_name", "status"])
