"""The checkpoint panel shown on the Opportunity, Quotation, Sales Order and record forms."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import now_datetime

from sales_process.adapters import opportunity
from sales_process.engine.compliance import compliance_rate
from sales_process.engine.rules import CheckpointRule, EvidenceKind, RecordStatus
from sales_process.engine.status import live_status
from sales_process.engine.triggers import COMPETITOR_PREFIX, RISK_PREFIX, subject_of
from sales_process.process import alerts, evidence, records, win_scores
from sales_process.process import rule_book as book_module
from sales_process.process.completion import is_own
from sales_process.process.deals import Deal
from sales_process.process.settings import due_soon_share


def panel(deal: Deal, trigger_key: str | None = None) -> dict:
	"""Every record of the deal the user may read, with its live light, what it lacks and its evidence."""
	book = book_module.rule_book()
	now = now_datetime()
	share = due_soon_share()
	user = frappe.session.user
	user_roles = set(frappe.get_roles(user))
	states = records.record_states(deal.doctype, deal.name)
	if trigger_key:
		states = [state for state in states if state.trigger_key == trigger_key]
	rows, visible = [], []
	for state in states:
		record = frappe.get_doc(records.RECORD, state.name)
		if not frappe.has_permission(records.RECORD, "read", doc=record, user=user):
			continue  # another team's record: the row rules apply here as everywhere
		visible.append(state)
		rows.append(
			_row(
				book,
				deal,
				record,
				state,
				live_status(state.status, state.triggered_on, state.due_on, now, share),
				user,
				user_roles,
			)
		)
	rows.sort(key=lambda row: (row["status"] not in RecordStatus.OPEN, row["due_on"] or now))
	return {
		"records": rows,
		"compliance": compliance_rate(visible, now),
		"deal_closed": deal.doctype == opportunity.DOCTYPE and opportunity.is_closed(deal.doc),
		"alerts": alerts.open_alerts_of(deal.doctype, deal.name) if not trigger_key else [],
		"probability": win_scores.panel_payload(deal.doc)
		if deal.doctype == opportunity.DOCTYPE and not trigger_key
		else None,
	}


def _row(book, deal: Deal, record, state, status: str, user: str, user_roles: set[str]) -> dict:
	rule = book.rule(state.checkpoint)
	open_ = status in RecordStatus.OPEN
	match = None
	if open_ and rule and _needs(rule, EvidenceKind.PURCHASE_MATCH):
		match = evidence.purchase_match_of(record)
	document = _document_of(state.trigger_key)
	return {
		"name": state.name,
		"checkpoint": state.checkpoint,
		"checkpoint_label": _(state.checkpoint),
		"document": document,
		"status": status,
		"status_label": _(status),
		"due_on": state.due_on,
		"completed_on": state.completed_on,
		"trigger_key": state.trigger_key,
		"missing": [evidence.translate(m) for m in evidence.missing_for(record, deal, match)]
		if open_
		else [],
		"match_ratio": match.ratio
		if match
		else (record.match_ratio if not open_ and record.match_ratio else None),
		"unmatched_items": list(match.unmatched) if match and match.purchase_history else [],
		# said plainly: a customer who never bought is not held by the match
		"no_purchase_history": bool(match and not match.purchase_history and match.ratio is None),
		"needs_attachment": _needs(rule, EvidenceKind.ATTACHMENT),
		"needs_summary": _needs(rule, EvidenceKind.SUMMARY),
		"needs_decision_roles": _needs(rule, EvidenceKind.DECISION_ROLES),
		"required_roles": _required_roles(rule),
		"missing_roles": _missing_roles(rule, deal)
		if open_ and _needs(rule, EvidenceKind.DECISION_ROLES)
		else [],
		"needs_strategy": _needs(rule, EvidenceKind.RISK_STRATEGY),
		"risk_signal": subject_of(state.trigger_key, RISK_PREFIX),
		"risk_label": _risk_label(state.trigger_key),
		"suggested_strategy": _suggested_strategy(state.trigger_key) if open_ else None,
		"attachment_label": _label(rule, EvidenceKind.ATTACHMENT),
		"summary_label": _label(rule, EvidenceKind.SUMMARY),
		"can_waive": open_
		and book_module.waiver_role(book, state.checkpoint) in user_roles
		and not is_own(user, record, deal),
		"summary": record.summary,
		"summary_min": _minimum(rule, EvidenceKind.SUMMARY),
		"attachment": evidence.latest_attachment(record) if open_ else record.attachment,
		"evidence_files": [
			{"file": row.file, "file_name": row.file_name} for row in record.get("evidence_files") or []
		],
		"needs_competitor_response": _needs(rule, EvidenceKind.COMPETITOR_RESPONSE),
		"competitor": subject_of(state.trigger_key, COMPETITOR_PREFIX),
		"waived_by": record.waived_by,
		"waived_by_name": frappe.utils.get_fullname(record.waived_by) if record.waived_by else None,
		"waiver_reason": record.waiver_reason,
		"evidence_note": record.evidence_note,
		"evidence_document": _evidence_document(deal, state.trigger_key) if not open_ else None,
		"sequence": book.sequence.get(state.checkpoint, 0),
	}


def _document_of(trigger_key: str | None) -> dict | None:
	"""The Quotation or Sales Order a per-document record belongs to."""
	for doctype in ("Quotation", "Sales Order"):
		name = subject_of(trigger_key, f"{doctype}:")
		if name:
			return {"doctype": doctype, "name": name, "label": _(doctype)}
	return None


def _evidence_document(deal: Deal, trigger_key: str | None) -> dict | None:
	"""The document whose saving completed the record: a competitor response, a risk signal."""
	competitor = subject_of(trigger_key, COMPETITOR_PREFIX)
	if competitor:
		name = frappe.db.get_value(
			"Sales Competitor Response",
			{"reference_doctype": deal.doctype, "reference_name": deal.name, "competitor": competitor},
		)
		return (
			{"doctype": "Sales Competitor Response", "name": name, "label": _("Sales Competitor Response")}
			if name
			else None
		)
	signal = subject_of(trigger_key, RISK_PREFIX)
	if signal:
		strategy = frappe.db.get_value("Sales Risk Signal", signal, "strategy")
		text = f"{_('Sales Risk Signal')} {signal}" + (f" ({_(strategy)})" if strategy else "")
		return {"doctype": "Sales Risk Signal", "name": signal, "label": _("Sales Risk Signal"), "text": text}
	return None


def _risk_label(trigger_key: str | None) -> str | None:
	"""Which risk a Risk Pre-registration row is about (several can stand on one deal)."""
	signal = subject_of(trigger_key, RISK_PREFIX)
	risk_type = frappe.db.get_value("Sales Risk Signal", signal, "risk_type") if signal else None
	return _(risk_type) if risk_type else None


def _suggested_strategy(trigger_key: str | None) -> str | None:
	signal = subject_of(trigger_key, RISK_PREFIX)
	if not signal:
		return None
	values = frappe.db.get_value(
		"Sales Risk Signal", signal, ["strategy", "suggested_strategy"], as_dict=True
	)
	return (values.strategy or values.suggested_strategy) if values else None


def _needs(rule: CheckpointRule | None, kind: str) -> bool:
	return bool(rule and any(requirement.kind == kind for requirement in rule.evidence))


def _required_roles(rule: CheckpointRule | None) -> list[str]:
	"""In the order the checkpoint lists them (the refusal names them in that order too)."""
	if not rule:
		return []
	roles = [
		role for r in rule.evidence if r.kind == EvidenceKind.DECISION_ROLES for role in r.required_roles
	]
	return list(dict.fromkeys(roles))


def _missing_roles(rule: CheckpointRule | None, deal: Deal) -> list[str]:
	marked = set(opportunity.decision_roles(deal.doc)) if deal.doctype == opportunity.DOCTYPE else set()
	return [role for role in _required_roles(rule) if role not in marked]


def _minimum(rule: CheckpointRule | None, kind: str) -> int:
	if not rule:
		return 0
	return max((r.min_count for r in rule.evidence if r.kind == kind), default=0)


def _label(rule: CheckpointRule | None, kind: str) -> str | None:
	if not rule:
		return None
	return next((_(r.label) for r in rule.evidence if r.kind == kind and r.label), None)
