"""Sales Visit Log: server-stamped check-in with geofence, check-out, watermarked photo."""

from __future__ import annotations

import json
from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import (
	flt,
	format_datetime,
	get_datetime,
	get_system_timezone,
	now_datetime,
	time_diff_in_seconds,
)

from sales_process.engine import geo
from sales_process.engine.visits_report import PROGRESS_HORIZON_DAYS
from sales_process.engine.watermark import ImageTooLarge, NotAnImage, sha256, stamp
from sales_process.process import visit_rollup
from sales_process.process.settings import allows_self_approval, get_settings

VISIT = "Sales Visit Log"

# why a check-in is flagged for the manager: stored as template + values, rendered per reader
FLAG_OUTSIDE = "Checked in {distance} from the site (limit {limit})."
FLAG_UNCONFIRMED_SITE = "The site location of address {address} was set by {located_by} and is not confirmed by a Sales Manager yet."
FLAG_NO_SITE = "The site has no location: add latitude and longitude to address {address}."
FLAG_ACCURACY = "GPS accuracy {accuracy} m is worse than the accepted {limit} m."
FLAG_TRAVEL = "Impossible travel since the previous check-in ({speed} km/h)."


def flag_text(flags, lang: str | None = None) -> str:
	"""The flags of a check-in as lines, in `lang` (default: the reader's)."""
	from sales_process.process.alerts import render

	if isinstance(flags, str):
		flags = json.loads(flags or "[]")
	return "\n".join(render(template, params, lang) for template, params in flags or [])


def _point_or_refuse(latitude, longitude, what: str) -> geo.Point | None:
	try:
		return geo.point(latitude, longitude)
	except geo.InvalidCoordinates as error:
		frappe.throw(
			_("The {0} coordinates are invalid ({1}). Let the browser read your location again.").format(
				_(what), str(error)
			),
			title=_("Invalid Location"),
		)


def site_address(visit) -> str | None:
	"""The visit's address, or the party's primary (else any) address.

	An address not linked to the visited party is refused: otherwise any address
	at the rep's own position would make every check-in "Inside".
	"""
	if visit.address:
		if not frappe.db.exists(
			"Dynamic Link",
			{
				"parenttype": "Address",
				"parent": visit.address,
				"link_doctype": visit.party_type,
				"link_name": visit.party,
			},
		):
			frappe.throw(
				_(
					"Address {0} is not an address of {1}. Choose one of {1}'s addresses or leave it empty."
				).format(visit.address, visit.party),
				title=_("Invalid Location"),
			)
		return visit.address
	address = frappe.qb.DocType("Address")
	link = frappe.qb.DocType("Dynamic Link")
	rows = (
		frappe.qb.from_(address)
		.join(link)
		.on(link.parent == address.name)
		.select(address.name)
		.where(
			(link.parenttype == "Address")
			& (link.link_doctype == visit.party_type)
			& (link.link_name == visit.party)
			& (address.disabled == 0)
		)
		.orderby(address.is_primary_address, order=frappe.qb.desc)
		.limit(1)
		.run()
	)
	return rows[0][0] if rows else None


def site_location(address: str | None) -> frappe._dict:
	"""The geofence centre of an address and who located it; no point unless a manager confirmed it.

	A rep who sets (or adds an address with) their own position cannot make
	their check-ins pass: an unconfirmed site counts as having no location.
	"""
	site = frappe._dict(point=None, located_by=None, confirmed_by=None, unconfirmed=False)
	if not address:
		return site
	values = frappe.db.get_value(
		"Address",
		address,
		["sp_latitude", "sp_longitude", "sp_located_by", "sp_location_confirmed_by"],
		as_dict=True,
	)
	if not values or (not values.sp_latitude and not values.sp_longitude):
		return site
	site.located_by, site.confirmed_by = values.sp_located_by, values.sp_location_confirmed_by
	if not site.confirmed_by:
		site.unconfirmed = True
		return site
	try:
		site.point = geo.point(values.sp_latitude, values.sp_longitude)
	except geo.InvalidCoordinates:
		site.point = None
	return site


def previous_check_in(visit) -> geo.Fix | None:
	table = frappe.qb.DocType(VISIT)
	rows = (
		frappe.qb.from_(table)
		.select(table.check_in_latitude, table.check_in_longitude, table.check_in_time)
		.where((table.rep == visit.rep) & (table.name != visit.name) & table.check_in_time.isnotnull())
		.orderby(table.check_in_time, order=frappe.qb.desc)
		.limit(1)
		.run(as_dict=True)
	)
	if not rows:
		return None
	row = rows[0]
	return geo.Fix(geo.Point(row.check_in_latitude, row.check_in_longitude), row.check_in_time)


def deal_stage(visit) -> str | None:
	if visit.reference_doctype == "Opportunity" and visit.reference_name:
		return frappe.db.get_value("Opportunity", visit.reference_name, "sales_stage")
	return None


def check_in(visit, latitude, longitude, accuracy=None, device=None):
	"""Stamp the check-in: server time, server-computed distance and geofence, plausibility flags."""
	if visit.check_in_time:
		frappe.throw(
			_("Visit {0} was checked in at {1}; a check-in cannot be repeated.").format(
				visit.name, format_datetime(visit.check_in_time)
			)
		)
	device_point = _point_or_refuse(latitude, longitude, "device")
	if device_point is None:
		frappe.throw(
			_("No location was received. Allow this site to use your location, then tap Check In again."),
			title=_("Location Needed"),
		)
	settings = get_settings()
	radius = flt(settings.geofence_radius_m) or 500
	address = site_address(visit)
	site = site_location(address)
	check = geo.geofence(device_point, site.point, radius)
	if check.result == geo.OUTSIDE and settings.outside_geofence == "Refuse":
		frappe.throw(
			_(
				"You are {0} from {1}; check in within {2} of the site. If the address is wrong, ask a Sales Manager to correct its location."
			).format(geo.readable_distance(check.distance_m), address, geo.readable_distance(radius)),
			title=_("Outside the Geofence"),
		)

	now = now_datetime()
	visit.rep = visit.rep or frappe.session.user
	flags = []
	if check.result == geo.OUTSIDE:
		flags.append(
			(
				FLAG_OUTSIDE,
				{"distance": geo.readable_distance(check.distance_m), "limit": geo.readable_distance(radius)},
			)
		)
	if check.result == geo.NO_SITE_LOCATION and site.unconfirmed:
		flags.append((FLAG_UNCONFIRMED_SITE, {"address": address, "located_by": site.located_by or "-"}))
	elif check.result == geo.NO_SITE_LOCATION:
		flags.append((FLAG_NO_SITE, {"address": address or "-"}))
	accuracy = flt(accuracy) if accuracy not in (None, "") else None
	if geo.accuracy_too_poor(accuracy, flt(settings.max_accuracy_m) or 100):
		flags.append(
			(
				FLAG_ACCURACY,
				{
					"accuracy": "?" if accuracy is None else int(accuracy),
					"limit": int(flt(settings.max_accuracy_m) or 100),
				},
			)
		)
	current = geo.Fix(device_point, now)
	previous = previous_check_in(visit)
	speed = geo.travel_speed_kmh(previous, current) if previous else None
	if previous and geo.impossible_travel(
		previous, current, flt(settings.max_speed_kmh) or 200, tolerance_m=radius
	):
		flags.append((FLAG_TRAVEL, {"speed": "∞" if speed == float("inf") else int(speed)}))

	visit.update(
		{
			"check_in_time": now,
			"check_in_latitude": device_point.latitude,
			"check_in_longitude": device_point.longitude,
			"check_in_accuracy": accuracy,
			"device": (device or _user_agent())[:500],
			"address": address,
			"site_located_by": site.located_by,
			"site_location_confirmed_by": site.confirmed_by,
			"distance_m": check.distance_m,
			"geofence_result": check.result,
			"travel_speed_kmh": None if speed in (None, float("inf")) else round(speed, 1),
			"needs_review": int(bool(flags)),
			# codes and values, shown in each reader's language; the note is their English rendering, for search
			"flag_codes": json.dumps(flags, ensure_ascii=False),
			"flags_note": flag_text(flags, "en"),
			"stage_before": deal_stage(visit),
			"status": "Checked In",
		}
	)
	_system_save(visit)


def check_out(visit, summary: str | None = None, next_step: str | None = None):
	if not visit.check_in_time:
		frappe.throw(_("Check in to visit {0} before checking out.").format(visit.name))
	if visit.check_out_time:
		frappe.throw(_("Visit {0} is already checked out.").format(visit.name))
	if (summary or "").strip():
		visit.summary = summary.strip()
	if (next_step or "").strip():
		visit.next_step = next_step.strip()
	now = now_datetime()
	visit.check_out_time = now
	visit.duration = max(time_diff_in_seconds(now, visit.check_in_time), 0)
	visit.stage_after = deal_stage(visit)
	visit.status = "Checked Out"
	_system_save(visit)
	from sales_process.process.alert_jobs import visit_streak

	visit_streak(visit, now)


REVIEWERS = {"Sales Manager", "System Manager"}


def review(visit, comment: str | None = None):
	"""A manager has looked at a flagged visit: it leaves the review queue, the reason and the comment stay."""
	if not REVIEWERS & set(frappe.get_roles()):
		frappe.throw(_("Only a Sales Manager can mark a flagged visit as reviewed."), frappe.PermissionError)
	if visit.rep == frappe.session.user != "Administrator" and not allows_self_approval():
		frappe.throw(
			_("Visit {0} is your own: another Sales Manager reviews it.").format(visit.name),
			frappe.PermissionError,
		)
	if not visit.needs_review:
		frappe.throw(_("Visit {0} is not flagged.").format(visit.name))
	if not (comment or "").strip():
		frappe.throw(_("Write what you checked before marking visit {0} reviewed.").format(visit.name))
	visit.needs_review = 0
	visit.reviewed_by = frappe.session.user
	visit.reviewed_on = now_datetime()
	visit.review_comment = comment.strip()
	_system_save(visit)


def add_photo(visit, file_url: str):
	"""The photo from a File already uploaded to the visit (stored bytes: see `add_photo_bytes`)."""
	file_name = frappe.db.get_value(
		"File", {"file_url": file_url, "attached_to_doctype": VISIT, "attached_to_name": visit.name}
	)
	if not file_name:
		frappe.throw(_("Upload the photo to visit {0} itself.").format(visit.name))
	original = frappe.get_doc("File", file_name)
	content = original.get_content()
	add_photo_bytes(visit, content if isinstance(content, bytes) else content.encode(), original)


def add_photo_bytes(visit, content: bytes, original=None, file_name: str | None = None):
	"""Keep the SHA-256 of the bytes the phone sent and a watermarked copy; the photo is never swapped.

	`original` is the File already holding the upload; without one the bytes are
	stored here (Frappe may strip their EXIF on save: the hash is of what was sent).
	"""
	if visit.photo or visit.photo_sha256:
		frappe.throw(_("Visit {0} already has its photo; it cannot be replaced.").format(visit.name))
	if not visit.check_in_time:
		frappe.throw(_("Check in first: the photo is stamped with the check-in location."))
	try:
		stamped = stamp(content, stamp_lines(visit))
	except NotAnImage:
		frappe.throw(
			_("{0} is not a photo. Take or choose a picture (JPEG or PNG).").format(
				original.file_name if original else (file_name or _("The file"))
			),
			title=_("Not an Image"),
		)
	except ImageTooLarge:
		frappe.throw(
			_("{0} is larger than any phone photo. Take the picture again with the phone camera.").format(
				original.file_name if original else (file_name or _("The file"))
			),
			title=_("Not an Image"),
		)
	if original is None:
		original = _private_file(visit, file_name or f"{visit.name}-original.jpg", content, "photo_original")
	else:
		frappe.db.set_value(
			"File", original.name, {"attached_to_field": "photo_original"}, update_modified=False
		)
	copy = _private_file(visit, f"{visit.name}-stamped.jpg", stamped, "photo")
	visit.photo = copy.file_url
	visit.photo_original = original.file_url
	visit.photo_sha256 = sha256(content)
	_system_save(visit)


def stamp_lines(visit) -> list[str]:
	"""Server time with its time zone, who and whom, where, and the device (wrapped by the stamp)."""
	now = now_datetime()
	zone = get_system_timezone()
	offset = _offset(zone, now)
	rep = frappe.utils.get_fullname(visit.rep) or visit.rep
	party = _party_name(visit)
	where = f"{visit.check_in_latitude:.6f}, {visit.check_in_longitude:.6f}"
	if visit.distance_m is not None:
		where += f" · {geo.readable_distance(visit.distance_m)}"
	return [
		f"{format_datetime(now, 'yyyy-MM-dd HH:mm:ss')} {offset} ({zone})",
		f"{rep} · {party}",
		where,
		f"{visit.name} · {visit.device or ''}",
	]


def _offset(zone: str, moment) -> str:
	from zoneinfo import ZoneInfo

	return moment.replace(tzinfo=ZoneInfo(zone)).strftime("UTC%z")


def _party_name(visit) -> str:
	if visit.party_type == "Customer":
		return frappe.db.get_value("Customer", visit.party, "customer_name") or visit.party
	if visit.party_type == "Lead":
		return frappe.db.get_value("Lead", visit.party, "company_name") or visit.party
	return visit.party or ""


def _private_file(visit, file_name: str, content: bytes, fieldname: str):
	file = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": file_name,
			"attached_to_doctype": VISIT,
			"attached_to_name": visit.name,
			"attached_to_field": fieldname,
			"content": content,
			"is_private": 1,
		}
	)
	file.flags.sp_system_write = True  # the only way a photo reaches a visit
	return file.insert(ignore_permissions=True)


def _user_agent() -> str:
	# the browser the check-in came from; none in background jobs and tests
	request = getattr(frappe.local, "request", None)
	return (request.headers.get("User-Agent") if request else None) or ""


def _system_save(visit):
	visit.flags.sp_system_write = True
	visit.save(ignore_permissions=True)


def mark_progress(reference_doctype: str, reference_name: str, at) -> None:
	"""The deal progressed at `at`: stamp it on its visits checked in before and not yet followed.

	Only the first progress after a check-in counts, so a visit already stamped keeps its time.
	Visits checked in more than PROGRESS_HORIZON_DAYS before are beyond any follow-up window the
	Visit Effectiveness report offers and are left alone (the update stays on a few rows).
	"""
	if not (reference_doctype and reference_name and at):
		return
	at = get_datetime(at)
	visit = frappe.qb.DocType(VISIT)
	waiting = (
		(visit.reference_name == reference_name)
		& (visit.reference_doctype == reference_doctype)
		& (visit.check_in_time < at)
		& (visit.check_in_time >= at - timedelta(days=PROGRESS_HORIZON_DAYS))
		& visit.progressed_on.isnull()
	)
	names = frappe.qb.from_(visit).select(visit.name).where(waiting).run(pluck=True)
	if not names:
		return
	with visit_rollup.bulk_write(names):
		frappe.qb.update(visit).set(visit.progressed_on, at).where(visit.name.isin(names)).run()


def defaults_for(party_type: str, party: str) -> dict:
	"""Picking the visited customer fills its site address and, when there is just one, its open deal."""
	visit = frappe._dict(party_type=party_type, party=party, address=None)
	open_deals = frappe.get_all(
		"Opportunity",
		filters={
			"opportunity_from": party_type,
			"party_name": party,
			"status": ("not in", ["Lost", "Closed", "Converted"]),
		},
		pluck="name",
		limit=2,
	)
	readable = [name for name in open_deals if frappe.has_permission("Opportunity", "read", name)]
	return {
		"address": site_address(visit),
		"opportunity": readable[0] if len(open_deals) == 1 and readable else None,
	}
