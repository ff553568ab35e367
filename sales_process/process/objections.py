"""Objections and risk signals: keyword suggestions, raising risks, strategy statistics."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder.functions import Count

from sales_process.engine.classify import KeywordClassifier
from sales_process.engine.rules import Trigger
from sales_process.process import checkpoints, deals

CLASSIFIER_CACHE_KEY = "sales_process:objection_keywords"
RISK_KEY_PREFIX = "risk:"


def keyword_table() -> dict[str, list[str]]:
	table = frappe.cache.get_value(CLASSIFIER_CACHE_KEY)
	if table is None:
		table = {
			row.name: [k.strip() for k in (row.keywords or "").replace(",", "\n").splitlines() if k.strip()]
			for row in frappe.get_all(
				"Sales Objection Type", fields=["name", "keywords"], order_by="creation asc"
			)
		}
		frappe.cache.set_value(CLASSIFIER_CACHE_KEY, table)
	return table


def clear_cache(doc=None, method=None):
	frappe.cache.delete_value(CLASSIFIER_CACHE_KEY)
	frappe.db.after_rollback.add(lambda: frappe.cache.delete_value(CLASSIFIER_CACHE_KEY))


def suggest(text: str | None) -> str | None:
	"""The objection type the words point to, or None."""
	if not (text or "").strip():
		return None
	return KeywordClassifier(keyword_table()).best(text)


def raises_risk(objection_type: str | None) -> bool:
	return bool(objection_type) and bool(
		frappe.get_cached_value("Sales Objection Type", objection_type, "raises_risk")
	)


def raise_risk_signal(reference_doctype, reference_name, risk_type, source_doc, text, strategy=None) -> str:
	"""One open signal per deal and risk type: a repeated mention does not pile up signals."""
	existing = frappe.db.get_value(
		"Sales Risk Signal",
		{
			"reference_doctype": reference_doctype,
			"reference_name": reference_name,
			"risk_type": risk_type,
			"status": "Open",
		},
	)
	if existing and reference_name:
		return existing
	signal = frappe.get_doc(
		{
			"doctype": "Sales Risk Signal",
			"reference_doctype": reference_doctype,
			"reference_name": reference_name,
			"risk_type": risk_type,
			"strategy": strategy
			or frappe.get_cached_value("Sales Objection Type", risk_type, "default_strategy"),
			"assigned_to": frappe.session.user,
			"detected_in_doctype": source_doc.doctype,
			"detected_in": source_doc.name,
			"detected_text": (text or "")[:500],
		}
	)
	signal.insert(ignore_permissions=True)
	return signal.name


def start_risk_checkpoint(signal):
	"""A risk signal on a deal starts Risk Pre-registration (or any checkpoint triggered by risks)."""
	if not signal.reference_name or not frappe.db.exists(signal.reference_doctype, signal.reference_name):
		return
	from sales_process.process.settings import is_under_process_control

	deal = deals.load(signal.reference_doctype, signal.reference_name)
	if not is_under_process_control(deal.company):
		return
	checkpoints.start_checkpoints(
		deal, deal.snapshot, events=[(Trigger.RISK_SIGNAL, RISK_KEY_PREFIX + signal.name)]
	)


def settle_risk_checkpoint(signal):
	"""Choosing a strategy is the evidence Risk Pre-registration asks for."""
	if not signal.strategy or not signal.reference_name:
		return
	checkpoints.settle_started_by(
		signal.reference_doctype,
		signal.reference_name,
		RISK_KEY_PREFIX + signal.name,
		_("Completed by Sales Risk Signal {0}: {1}").format(signal.name, signal.strategy),
	)


def strategy_of_risk_key(trigger_key: str | None) -> str | None:
	if not (trigger_key or "").startswith(RISK_KEY_PREFIX):
		return None
	return frappe.db.get_value("Sales Risk Signal", trigger_key[len(RISK_KEY_PREFIX) :], "strategy")


def refresh_strategy_stats(strategy: str | None):
	"""How often a strategy was used (distinct deals) and how often those deals were then won."""
	if not strategy:
		return
	deals_used: set[tuple[str, str]] = set()
	for doctype in ("Sales Objection", "Sales Risk Signal"):
		table = frappe.qb.DocType(doctype)
		rows = (
			frappe.qb.from_(table)
			.select(table.reference_doctype, table.reference_name)
			.distinct()
			.where((table.strategy == strategy) & table.reference_name.isnotnull())
			.run()
		)
		deals_used.update((row[0], row[1]) for row in rows if row[1])
	opportunities = [name for doctype, name in deals_used if doctype == "Opportunity"]
	won = 0
	if opportunities:
		opportunity = frappe.qb.DocType("Opportunity")
		won = (
			frappe.qb.from_(opportunity)
			.select(Count(opportunity.name))
			.where(opportunity.name.isin(opportunities) & (opportunity.status == "Converted"))
			.run()[0][0]
		)
	used = len(deals_used)
	frappe.db.set_value(
		"Sales Response Strategy",
		strategy,
		{"times_used": used, "times_won": won, "win_rate": round(100.0 * won / used, 1) if used else 0},
		update_modified=False,
	)
