from frappe.model.document import Document


class SalesProcessCompany(Document):
	pass
