import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import now_datetime

from sales_process.process import objections, strategy_rollup
from sales_process.process.guards import changed_fields, guard_reassignment, require_write_on_deal

# set by the process; a rep chooses `strategy`, never these
SYSTEM_FIELDS = ("suggested_strategy", "detected_in_doctype", "detected_in", "detected_text")
OPEN = "Open"


class SalesRiskSignal(Document):
	def validate(self):
		system = self.flags.pop("sp_system_write", False)
		self._stamp_closed_on(self.get_doc_before_save())
		if self.is_new():
			if not system:
				require_write_on_deal(self)
				for fieldname in SYSTEM_FIELDS:
					self.set(fieldname, None)
			self.assigned_to = objections.deal_rep(self.reference_doctype, self.reference_name) or (
				self.assigned_to if system else frappe.session.user
			)
			if not self.suggested_strategy and self.risk_type:
				self.suggested_strategy = frappe.get_cached_value(
					"Sales Objection Type", self.risk_type, "default_strategy"
				)
		else:
			guard_reassignment(self)
			changed = changed_fields(self, self.get_doc_before_save(), SYSTEM_FIELDS)
			if changed:
				frappe.throw(
					_("These fields are set by the sales process: {0}.").format(
						", ".join(_(self.meta.get_label(f)) for f in changed)
					),
					frappe.PermissionError,
				)
		if self.risk_type and not frappe.get_cached_value(
			"Sales Objection Type", self.risk_type, "raises_risk"
		):
			frappe.throw(
				_("{0} is not a risk type. Choose an objection type marked “Is a Risk Signal”.").format(
					frappe.bold(self.risk_type)
				)
			)

	def _stamp_closed_on(self, before):
		"""When the status left Open, at the server's time (empty again if reopened); whatever a
		request sends for it is replaced."""
		if (self.status or OPEN) == OPEN:
			self.closed_on = None
		elif before is None or (before.status or OPEN) == OPEN:
			self.closed_on = now_datetime()
		else:
			self.closed_on = before.closed_on

	def after_insert(self):
		objections.start_risk_checkpoint(self)

	def on_update(self):
		objections.settle_risk_checkpoint(self)
		strategy_rollup.answer_written(self)
		if self.has_value_changed("strategy"):
			objections.refresh_strategy_stats(self.strategy)

	def after_delete(self):
		strategy_rollup.answer_deleted(self)
