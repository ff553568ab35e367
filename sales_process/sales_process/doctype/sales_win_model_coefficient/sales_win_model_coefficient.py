from frappe.model.document import Document


class SalesWinModelCoefficient(Document):
	"""One feature of a Sales Win Model: written with the model, never edited."""
