import frappe
from frappe.model.document import Document


class SalesStageLog(Document):
	pass


def on_doctype_update():
	frappe.db.add_index("Sales Stage Log", ["reference_doctype", "reference_name", "changed_on"])
	# Funnel Health finds the deals logged in a period from this index alone
	frappe.db.add_index("Sales Stage Log", ["changed_on", "reference_name"])
