from frappe.model.document import Document


class SalesDecisionMaker(Document):
	pass
