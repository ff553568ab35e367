"""Which stamped fields did a form save try to change?"""

from __future__ import annotations

from frappe.utils import flt, get_datetime


def changed_fields(doc, before, fieldnames) -> list[str]:
	"""Fields whose value differs in meaning, not in spelling: the browser sends 15 for a stored 15.0."""
	if before is None:
		return []
	return [f for f in fieldnames if not same_value(doc.meta.get_field(f), doc.get(f), before.get(f))]


def same_value(df, new, old) -> bool:
	if not new and not old:
		return True
	if df and df.fieldtype in ("Float", "Percent", "Currency", "Int", "Check", "Duration"):
		return abs(flt(new) - flt(old)) < 1e-6
	if df and df.fieldtype in ("Datetime", "Date"):
		try:
			return get_datetime(new) == get_datetime(old)
		except Exception:
			return False
	return str(new or "") == str(old or "")
