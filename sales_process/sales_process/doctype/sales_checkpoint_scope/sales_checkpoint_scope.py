from frappe.model.document import Document


class SalesCheckpointScope(Document):
	pass
