"""Sales Process Settings, read once per request."""

from __future__ import annotations

import frappe

SETTINGS = "Sales Process Settings"


def get_settings():
	return frappe.get_cached_doc(SETTINGS)


def is_under_process_control(company: str | None) -> bool:
	"""Only deals of enrolled companies get checkpoints and gates."""
	if not company:
		return False
	settings = get_settings()
	if not settings.enabled:
		return False
	return any(row.company == company for row in settings.companies)


def due_soon_share() -> float:
	return (get_settings().due_soon_percent or 75) / 100.0


def default_waiver_role() -> str:
	return get_settings().waiver_role or "Sales Manager"
