"""Visit geofence: distances, the geofence verdict, GPS accuracy and impossible travel.

All distances are great-circle (haversine) metres on a spherical Earth, good to
about 0.5 % — far below GPS noise. Longitudes wrap, so the antimeridian and the
poles need no special case.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)

INSIDE = "Inside"
OUTSIDE = "Outside"
NO_SITE_LOCATION = "No Site Location"
NO_DEVICE_LOCATION = "No Device Location"
GEOFENCE_RESULTS = (INSIDE, OUTSIDE, NO_SITE_LOCATION, NO_DEVICE_LOCATION)


class InvalidCoordinates(ValueError):
	"""Coordinates outside the globe or not numbers; the message says which."""


@dataclass(frozen=True)
class Point:
	latitude: float
	longitude: float


def point(latitude, longitude) -> Point | None:
	"""A checked point, or None when both values are missing; half a point or nonsense is refused."""
	if _missing(latitude) and _missing(longitude):
		return None
	if _missing(latitude) or _missing(longitude):
		raise InvalidCoordinates("latitude and longitude must be given together")
	try:
		lat, lon = float(latitude), float(longitude)
	except (TypeError, ValueError) as error:
		raise InvalidCoordinates(f"coordinates must be numbers, got {latitude!r}, {longitude!r}") from error
	if not (math.isfinite(lat) and math.isfinite(lon)):
		raise InvalidCoordinates("coordinates must be finite numbers")
	if not -90 <= lat <= 90:
		raise InvalidCoordinates(f"latitude {lat} is outside -90..90")
	if not -180 <= lon <= 180:
		raise InvalidCoordinates(f"longitude {lon} is outside -180..180")
	return Point(lat, lon)


def _missing(value) -> bool:
	return value is None or (isinstance(value, str) and not value.strip())


def distance_m(a: Point, b: Point) -> float:
	lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
	h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
	return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def distances_m(lat1, lon1, lat2, lon2) -> np.ndarray:
	"""Vectorised haversine for reports: arrays of degrees in, metres out (NaN where any input is NaN)."""
	lat1, lon1, lat2, lon2 = (np.radians(np.asarray(x, dtype="float64")) for x in (lat1, lon1, lat2, lon2))
	h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
	return 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(h)))


@dataclass(frozen=True)
class GeofenceCheck:
	result: str
	distance_m: float | None


def geofence(device: Point | None, site: Point | None, radius_m: float) -> GeofenceCheck:
	"""Inside when the device is within `radius_m` of the site (the boundary counts as inside)."""
	if radius_m is None or radius_m <= 0:
		raise ValueError(f"geofence radius must be positive, got {radius_m!r}")
	if device is None:
		return GeofenceCheck(NO_DEVICE_LOCATION, None)
	if site is None:
		return GeofenceCheck(NO_SITE_LOCATION, None)
	distance = distance_m(device, site)
	return GeofenceCheck(INSIDE if distance <= radius_m else OUTSIDE, round(distance, 1))


def geofence_results(distances: np.ndarray, radius_m: float) -> np.ndarray:
	"""Vectorised verdicts for report columns; NaN distances have no site location."""
	distances = np.asarray(distances, dtype="float64")
	return np.where(np.isnan(distances), NO_SITE_LOCATION, np.where(distances <= radius_m, INSIDE, OUTSIDE))


def accuracy_too_poor(accuracy_m: float | None, limit_m: float) -> bool:
	"""A fix whose reported accuracy radius is worse than the limit (or unknown) proves little."""
	if accuracy_m is None:
		return True
	return accuracy_m < 0 or accuracy_m > limit_m


@dataclass(frozen=True)
class Fix:
	where: Point
	at: datetime


def travel_speed_kmh(previous: Fix, current: Fix) -> float:
	"""Speed needed to get from one check-in to the next; infinite for a jump in no time."""
	metres = distance_m(previous.where, current.where)
	seconds = (current.at - previous.at).total_seconds()
	if seconds <= 0:
		return 0.0 if metres == 0 else math.inf
	return metres / seconds * 3.6


def impossible_travel(previous: Fix | None, current: Fix, max_kmh: float, tolerance_m: float = 0) -> bool:
	"""Faster than `max_kmh` between consecutive check-ins; jumps within GPS tolerance never count."""
	if previous is None:
		return False
	if distance_m(previous.where, current.where) <= tolerance_m:
		return False
	return travel_speed_kmh(previous, current) > max_kmh


def readable_distance(metres: float | None) -> str:
	"""Metres as a person says them: "212 m", "1.3 km", "141 km"."""
	if metres is None or not math.isfinite(metres):
		return "?"
	metres = abs(metres)
	if metres < 1000:
		return f"{round(metres):d} m"
	if metres < 10_000:
		return f"{metres / 1000:.1f} km"
	return f"{round(metres / 1000):d} km"
