import frappe
from frappe.model.document import Document


class SalesDealFact(Document):
	"""Written only by sales_process.process.deal_rollup; see there."""


def on_doctype_update():
	frappe.db.add_unique("Sales Deal Fact", ["reference_doctype", "reference_name"])
	# a part of a month, a territory filter, the pace of new deals: the company's deals created in
	# a range, per rep (the rep in the index: the pace reads no row)
	frappe.db.add_index("Sales Deal Fact", ["company", "created_on", "rep"])
	# the amount won per rep in a period (Target Back-calculation), read from the index alone: a
	# year of a large org's won deals through the opportunities' rows took 0.2 s
	frappe.db.add_index("Sales Deal Fact", ["company", "won_on", "rep", "won_amount"], "won_amounts")
