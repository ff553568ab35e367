"""Address hooks: the site location used as the visit geofence centre."""

import json

import frappe
from frappe import _

from sales_process.engine import geo


def validate(doc, method=None):
	if not (doc.get("sp_location") or doc.get("sp_latitude") or doc.get("sp_longitude")):
		return
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
