"""Sales Process Settings, read once per request."""

from __future__ import annotations

import frappe

SETTINGS = "Sales Process Settings"


def get_settings():
	return frappe.get_cached_doc(SETTINGS)


def enrolled_companies() -> set[str]:
	"""Companies under process control; empty when the process is switched off."""
	settings = get_settings()
	if not settings.enabled:
		return set()
	return {row.company for row in settings.companies}


def is_under_process_control(company: str | None) -> bool:
	"""Only deals of enrolled companies get checkpoints and gates."""
	return bool(company) and company in enrolled_companies()


def allows_self_approval() -> bool:
	"""May a manager waive checkpoints of their own deals and review their own visits?"""
	return bool(get_settings().get("allow_self_approval"))


def due_soon_share() -> float:
	return (get_settings().due_soon_percent or 75) / 100.0


def default_waiver_role() -> str:
	return get_settings().waiver_role or "Sales Manager"


# the alert switches and numbers, stored on install (and by a patch on sites installed before them)
DEFAULTS = {
	"alert_checkpoints": 1,
	"alert_stalled_deals": 1,
	"alert_visit_streaks": 1,
	"visit_streak_count": 2,
	"escalation_hours": 48,
	"training_push": 1,
	"training_share": 20,
	"training_min_due": 5,
	"daily_digest": 1,
}


def setting(fieldname: str):
	return get_settings().get(fieldname)


def store_missing_defaults():
	"""Frappe reads a Check or number never stored as 0 (off): store the defaults once."""
	singles = frappe.qb.DocType("Singles")
	stored = set(
		frappe.qb.from_(singles)
		.select(singles.field)
		.where((singles.doctype == SETTINGS) & singles.field.isin(list(DEFAULTS)))
		.run(pluck=True)
	)
	for fieldname, value in DEFAULTS.items():
		if fieldname not in stored:
			frappe.db.set_single_value(SETTINGS, fieldname, value)
	frappe.clear_document_cache(SETTINGS, SETTINGS)
