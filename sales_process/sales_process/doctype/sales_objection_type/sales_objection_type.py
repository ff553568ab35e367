import frappe
from frappe import _
from frappe.model.document import Document

from sales_process.process import objections


class SalesObjectionType(Document):
	def validate(self):
		keywords = [k.strip() for k in (self.keywords or "").replace(",", "\n").splitlines() if k.strip()]
		if not keywords:
			frappe.throw(
				_("Give objection type {0} at least one keyword, one per line.").format(
					frappe.bold(self.name)
				)
			)
		self.keywords = "\n".join(dict.fromkeys(keywords))

	def on_update(self):
		objections.clear_cache()

	def on_trash(self):
		objections.clear_cache()
