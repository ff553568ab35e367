"""Sales Lead Rule: a company's pool criteria 入池标准, fit and activity points 评分机制, grades and
first-response windows. Checked by the engine when saved; a change re-scores the company's leads
in a background job (their fingerprint no longer matches)."""

import frappe
from frappe import _
from frappe.model import no_value_fields
from frappe.model.document import Document

from sales_process.engine.leads import Criterion, CriterionKind, InvalidLeadRule, Message, criterion_errors
from sales_process.process import leads


class SalesLeadRule(Document):
	def validate(self):
		if not self.rule_currency:
			self.rule_currency = leads.company_currency(self.company)
		for row in self.criteria:
			row.lead_field = (row.lead_field or "").strip()
			if row.kind != CriterionKind.FIT:
				row.points = 0  # hidden on the form for pool criteria: a value left there means nothing
		problems = self.criterion_problems() + self.activity_problems()
		if not problems:
			try:
				leads.rule_from_doc(self)
			except InvalidLeadRule as refused:
				problems += [leads.render_message(message) for message in refused.messages]
		if problems:
			frappe.throw(
				"<ul>" + "".join(f"<li>{frappe.utils.escape_html(p)}</li>" for p in problems) + "</ul>",
				title=_("Sales Lead Rule {0} cannot score leads yet").format(self.name or self.rule_name),
			)
		self.validate_one_enabled_rule()

	def criterion_problems(self) -> list[str]:
		meta = frappe.get_meta(leads.LEAD)
		problems = []
		for row in self.criteria:
			prefix = _("Criteria row {0}").format(row.idx)
			df = meta.get_field(row.lead_field) if row.lead_field else None
			if row.lead_field and df is None:
				problems.append(
					_("{0}: Lead has no field {1}; pick a field from the list.").format(
						prefix, row.lead_field
					)
				)
				continue
			if df is not None and df.fieldtype in no_value_fields:
				problems.append(
					_(
						"{0}: {1} is a {2} on the Lead and holds no value to compare; pick another field."
					).format(prefix, _(df.label or df.fieldname), _(df.fieldtype))
				)
				continue
			criterion = Criterion(
				row.lead_field,
				row.operator,
				row.value or "",
				row.kind,
				row.points or 0,
				row.amount_currency or None,
			)
			options = (df.options or "").split("\n") if df is not None and df.fieldtype == "Select" else None
			for message in criterion_errors(criterion, df.fieldtype if df else None, options):
				problems.append(f"{prefix}: {leads.render_message(message)}")
		return problems

	def activity_problems(self) -> list[str]:
		seen, problems = set(), []
		for row in self.activity:
			if row.engagement_kind in seen:
				problems.append(
					leads.render_message(
						Message("The engagement kind {0} is listed twice", (row.engagement_kind,))
					)
				)
			seen.add(row.engagement_kind)
		return problems

	def validate_one_enabled_rule(self):
		if not self.enabled:
			return
		other = frappe.db.get_value(
			"Sales Lead Rule", {"company": self.company, "enabled": 1, "name": ("!=", self.name or "")}
		)
		if other:
			frappe.throw(
				_(
					"Sales Lead Rule {0} is already enabled for {1}: disable it first, or change that rule instead."
				).format(frappe.bold(other), frappe.bold(self.company)),
				title=_("One Rule per Company"),
			)

	def on_update(self):
		leads.forget_rules()
		before = self.get_doc_before_save()
		companies = {self.company}
		if before is not None and before.company != self.company:
			companies.add(before.company)
		if before is not None and not self._scores_changed(before):
			return
		for company in sorted(c for c in companies if c):
			# after the commit: the job must read the rule as saved
			frappe.enqueue(
				"sales_process.process.leads.rescore_company",
				company=company,
				queue="long",
				enqueue_after_commit=True,
				now=bool(frappe.flags.in_test),
			)

	def _scores_changed(self, before) -> bool:
		if (before.enabled, before.company) != (self.enabled, self.company):
			return True
		try:
			return leads.rule_from_doc(before).fingerprint != leads.rule_from_doc(self).fingerprint
		except InvalidLeadRule:
			return True

	def on_trash(self):
		leads.forget_rules()
