from frappe.model.document import Document


class SalesResponseStrategy(Document):
	pass
