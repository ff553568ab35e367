"""Objections and risk signals: keyword suggestions, raising risks, strategy statistics."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder.functions import Count

from sales_process.adapters import opportunity
from sales_process.engine.classify import KeywordClassifier
from sales_process.engine.rules import Trigger
from sales_process.engine.triggers import RISK_PREFIX, risk_key, subject_of
from sales_process.process import deals, records
from sales_process.process.completion import settle_started_by

CLASSIFIER_CACHE_KEY = "sales_process:objection_keywords"
SIGNAL = "Sales Risk Signal"


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
	found = topics(text)
	return found[0] if found else None


def topics(text: str | None) -> list[str]:
	"""Every objection type the words speak of, best first ("太贵了,要走招标": price and tender)."""
	if not (text or "").strip():
		return []
	return KeywordClassifier(keyword_table()).categories(text)


def raises_risk(objection_type: str | None) -> bool:
	return bool(objection_type) and bool(
		frappe.get_cached_value("Sales Objection Type", objection_type, "raises_risk")
	)


def deal_rep(reference_doctype: str | None, reference_name: str | None) -> str | None:
	"""Signals and suggested objections belong to the deal's rep, whoever or whatever raised them."""
	if reference_doctype != opportunity.DOCTYPE or not reference_name:
		return None
	values = frappe.db.get_value(
		opportunity.DOCTYPE, reference_name, ["owner", "opportunity_owner"], as_dict=True
	)
	return opportunity.rep(values) if values else None


def raise_risks_in(text, reference_doctype, reference_name, source_doc, also=()) -> list[str]:
	"""A signal for every risk type the words carry (and for `also`, a type the rep chose)."""
	if not reference_name:
		return []
	risk_types = [t for t in dict.fromkeys([*also, *topics(text)]) if raises_risk(t)]
	return [
		raise_risk_signal(reference_doctype, reference_name, risk_type, source_doc, text)
		for risk_type in risk_types
	]


def raise_risk_signal(reference_doctype, reference_name, risk_type, source_doc, text) -> str:
	"""One open signal per deal and risk type: a repeated mention does not pile up signals.

	The type's default strategy is only suggested: Risk Pre-registration is met
	when the rep chooses or confirms a strategy.
	"""
	existing = frappe.db.get_value(
		SIGNAL,
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
			"doctype": SIGNAL,
			"reference_doctype": reference_doctype,
			"reference_name": reference_name,
			"risk_type": risk_type,
			"suggested_strategy": frappe.get_cached_value(
				"Sales Objection Type", risk_type, "default_strategy"
			),
			"assigned_to": deal_rep(reference_doctype, reference_name) or frappe.session.user,
			"detected_in_doctype": source_doc.doctype,
			"detected_in": source_doc.name,
			"detected_text": (text or "")[:500],
		}
	)
	signal.flags.sp_system_write = True
	signal.insert(ignore_permissions=True)
	return signal.name


def start_risk_checkpoint(signal):
	"""A risk signal on a deal starts Risk Pre-registration (or any checkpoint triggered by risks)."""
	if not signal.reference_name or not frappe.db.exists(signal.reference_doctype, signal.reference_name):
		return
	from sales_process.process.settings import enrolled_companies

	deal = deals.load(signal.reference_doctype, signal.reference_name)
	if not deal.companies & enrolled_companies():
		return
	records.start_checkpoints(deal, deal.snapshot, events=[(Trigger.RISK_SIGNAL, risk_key(signal.name))])


def settle_risk_checkpoint(signal):
	"""Choosing a strategy is the evidence Risk Pre-registration asks for."""
	if not signal.strategy or not signal.reference_name:
		return
	settle_started_by(
		signal.reference_doctype,
		signal.reference_name,
		risk_key(signal.name),
		_("Completed by Sales Risk Signal {0}: {1}").format(signal.name, signal.strategy),
	)


def choose_risk_strategy(record, strategy: str):
	"""The rep picks (or confirms) the strategy for the risk behind a Risk Pre-registration record."""
	name = subject_of(record.trigger_key, RISK_PREFIX)
	if not name:
		frappe.throw(
			_("Checkpoint {0} is not about a risk signal.").format(frappe.bold(_(record.checkpoint)))
		)
	signal = frappe.get_doc(SIGNAL, name)
	signal.strategy = strategy
	signal.save()  # the rep's own permission on the signal applies


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
			# won: a Sales Order of the deal was submitted (process.outcomes), as in every report
			.where(opportunity.name.isin(opportunities) & opportunity.sp_won_on.isnotnull())
			.run()[0][0]
		)
	used = len(deals_used)
	frappe.db.set_value(
		"Sales Response Strategy",
		strategy,
		{"times_used": used, "times_won": won, "win_rate": round(100.0 * won / used, 1) if used else 0},
		update_modified=False,
	)
