import frappe
from frappe import _
from frappe.model.document import Document

from sales_process.process import objections


class SalesRiskSignal(Document):
	def validate(self):
		self.assigned_to = self.assigned_to or frappe.session.user
		if self.risk_type and not frappe.get_cached_value(
			"Sales Objection Type", self.risk_type, "raises_risk"
		):
			frappe.throw(
				_("{0} is not a risk type. Choose an objection type marked “Is a Risk Signal”.").format(
					frappe.bold(self.risk_type)
				)
			)

	def after_insert(self):
		objections.start_risk_checkpoint(self)

	def on_update(self):
		objections.settle_risk_checkpoint(self)
		if self.has_value_changed("strategy"):
			objections.refresh_strategy_stats(self.strategy)
