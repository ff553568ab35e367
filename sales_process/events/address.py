"""Address hooks: the site location used as the visit geofence centre.

A location is evidence for every later check-in, so the server decides who
set it: a rep may locate a site that has none, but it becomes a geofence
centre only when a Sales Manager confirms it; once located, only a manager
moves or clears it — by the map, by the numbers, or by clearing and setting
again.
"""

import json

import frappe
from frappe import _

from sales_process.engine import geo
from sales_process.permissions import is_manager
from sales_process.process.guards import keep_stored

LOCATION_FIELDS = ("sp_latitude", "sp_longitude")
SERVER_FIELDS = ("sp_located_by", "sp_location_confirmed_by")


def validate(doc, method=None):
	before = doc.get_doc_before_save()
	if not (_has_location_fields(doc) or (before is not None and _has_location_fields(before))):
		return
	if _map_changed(doc, before):
		picked = _point_from_map(doc)
		doc.sp_latitude, doc.sp_longitude = picked if picked else (None, None)
	point = _checked_point(doc)
	old_point = _stored_point(before)
	keep_stored(doc, before, SERVER_FIELDS)
	if point != old_point:
		_relocate(doc, before, point, old_point)
	elif _confirmation_requested(doc, before):
		_confirm(doc)
	doc.sp_location_confirmed = int(bool(doc.sp_location_confirmed_by))


def _has_location_fields(doc) -> bool:
	return any(doc.get(f) not in (None, "", 0, 0.0) for f in (*LOCATION_FIELDS, "sp_location"))


def _map_changed(doc, before) -> bool:
	return (doc.get("sp_location") or None) != (
		(before.get("sp_location") if before is not None else None) or None
	)


def _point_from_map(doc) -> tuple[float, float] | None:
	"""The last point marked on Frappe's Geolocation map (GeoJSON: longitude first)."""
	value = doc.get("sp_location")
	if not value:
		return None
	try:
		data = json.loads(value) if isinstance(value, str) else value
		points = [
			feature["geometry"]["coordinates"]
			for feature in data.get("features") or []
			if (feature.get("geometry") or {}).get("type") == "Point"
		]
		if not points:
			return None
		longitude, latitude = points[-1][:2]
		checked = geo.point(latitude, longitude)
	except (TypeError, ValueError, KeyError, AttributeError, IndexError):
		_refuse(doc, _("the map location could not be read"), _("Pick the point on the map again."))
	return (checked.latitude, checked.longitude) if checked else None


def _checked_point(doc) -> geo.Point | None:
	try:
		return geo.point(doc.get("sp_latitude"), doc.get("sp_longitude"))
	except geo.InvalidCoordinates as error:
		_refuse(doc, str(error), _("Pick it on the map or type decimal degrees, e.g. 29.8683 and 121.5440."))


def _stored_point(before) -> geo.Point | None:
	if before is None:
		return None
	try:
		return geo.point(before.get("sp_latitude"), before.get("sp_longitude"))
	except geo.InvalidCoordinates:
		return None


def _relocate(doc, before, point, old_point):
	"""Set, move or clear the site: a rep only sets a first, unconfirmed location."""
	manager = is_manager()
	if old_point is not None and not manager:
		frappe.throw(
			_("The site location of address {0} is set; ask a Sales Manager to move it.").format(
				doc.name or doc.address_title
			),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	if point is None:
		doc.sp_located_by = doc.sp_location_confirmed_by = None
		return
	doc.sp_located_by = frappe.session.user
	doc.sp_location_confirmed_by = frappe.session.user if manager else None


def _confirmation_requested(doc, before) -> bool:
	was = bool(before is not None and before.get("sp_location_confirmed_by"))
	return bool(doc.get("sp_location_confirmed")) and not was


def _confirm(doc):
	if not is_manager():
		frappe.throw(
			_("Only a Sales Manager confirms the site location of address {0}.").format(doc.name),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	if not doc.get("sp_latitude") and not doc.get("sp_longitude"):
		frappe.throw(_("Address {0} has no site location to confirm.").format(doc.name))
	doc.sp_location_confirmed_by = frappe.session.user


def _refuse(doc, problem: str, fix: str):
	frappe.throw(
		_("Address {0}: the site location is invalid ({1}). {2}").format(
			doc.name or doc.address_title, problem, fix
		),
		title=_("Invalid Location"),
	)
