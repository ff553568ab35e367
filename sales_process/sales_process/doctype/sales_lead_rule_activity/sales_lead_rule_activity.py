from frappe.model.document import Document


class SalesLeadRuleActivity(Document):
	pass
