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
