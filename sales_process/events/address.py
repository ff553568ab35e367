"""Address hooks: the site location used as the visit geofence centre."""

import json

import frappe
from frappe import _

from sales_process.engine import geo

# who may move a site once it has coordinates: the geofence centre is evidence too
LOCATION_EDITORS = {"Sales Manager", "Sales Process Manager", "System Manager"}


def validate(doc, method=None):
	if not (doc.get("sp_location") or doc.get("sp_latitude") or doc.get("sp_longitude")):
		return
	_guard_moving_a_site(doc)
	if doc.has_value_changed("sp_location") and doc.get("sp_location"):
		picked = _point_from_map(doc.sp_location)
		if picked:
			doc.sp_latitude, doc.sp_longitude = picked
	try:
		geo.point(doc.sp_latitude, doc.sp_longitude)
	except geo.InvalidCoordinates as error:
		frappe.throw(
			_(
				"Address {0}: the site location is invalid ({1}). Pick it on the map or type decimal degrees."
			).format(doc.name or doc.address_title, str(error)),
			title=_("Invalid Location"),
		)


def _point_from_map(value) -> tuple[float, float] | None:
	"""The last point marked on Frappe's Geolocation map (GeoJSON: longitude first)."""
	try:
		features = json.loads(value).get("features") or []
	except (TypeError, ValueError, AttributeError):
		return None
	points = [
		f["geometry"]["coordinates"] for f in features if (f.get("geometry") or {}).get("type") == "Point"
	]
	if not points:
		return None
	longitude, latitude = points[-1][:2]
	return latitude, longitude


def _guard_moving_a_site(doc):
	before = doc.get_doc_before_save()
	if not before or not (before.get("sp_latitude") or before.get("sp_longitude")):
		return  # setting a location for the first time is fine for anyone who can edit the address
	moved = (doc.get("sp_latitude"), doc.get("sp_longitude")) != (
		before.get("sp_latitude"),
		before.get("sp_longitude"),
	)
	if moved and not LOCATION_EDITORS & set(frappe.get_roles()):
		frappe.throw(
			_("The site location of address {0} is set; ask a Sales Manager to move it.").format(doc.name),
			frappe.PermissionError,
		)
