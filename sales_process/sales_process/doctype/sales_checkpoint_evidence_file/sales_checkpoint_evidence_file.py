from frappe.model.document import Document


class SalesCheckpointEvidenceFile(Document):
	pass
