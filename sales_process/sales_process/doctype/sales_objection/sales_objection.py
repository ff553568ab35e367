import frappe
from frappe.model.document import Document

from sales_process.adapters import opportunity
from sales_process.process import objections


class SalesObjection(Document):
	def validate(self):
		if self.is_new():
			self.assigned_to = self.assigned_to or frappe.session.user
		if not self.objection_type:
			# one tap to confirm or correct: the rep sees the suggestion already filled in
			self.objection_type = objections.suggest(self.customer_words)
			self.suggested = int(bool(self.objection_type))
		elif not self.is_new() and self.has_value_changed("objection_type"):
			self.suggested = 0  # the rep corrected it
		if self.objection_type and not self.strategy:
			self.strategy = frappe.get_cached_value(
				"Sales Objection Type", self.objection_type, "default_strategy"
			)
		if self.reference_doctype == opportunity.DOCTYPE and self.reference_name:
			self.customer = (
				frappe.db.get_value(opportunity.DOCTYPE, self.reference_name, "party_name", cache=True)
				if frappe.db.get_value(opportunity.DOCTYPE, self.reference_name, "opportunity_from")
				== "Customer"
				else None
			)

	def on_update(self):
		if objections.raises_risk(self.objection_type) and not self.risk_signal:
			signal = objections.raise_risk_signal(
				self.reference_doctype,
				self.reference_name,
				self.objection_type,
				self,
				self.customer_words,
				self.strategy,
			)
			self.db_set("risk_signal", signal, update_modified=False)
		if self.has_value_changed("strategy") or self.has_value_changed("status"):
			objections.refresh_strategy_stats(self.strategy)
			before = self.get_doc_before_save()
			if before and before.strategy and before.strategy != self.strategy:
				objections.refresh_strategy_stats(before.strategy)
