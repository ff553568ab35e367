from frappe.model.document import Document


class SalesLeadRuleCriterion(Document):
	pass
