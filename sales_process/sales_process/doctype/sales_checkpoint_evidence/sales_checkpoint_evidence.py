from frappe.model.document import Document


class SalesCheckpointEvidence(Document):
	pass
