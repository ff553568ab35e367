import math
from datetime import datetime, timedelta

import numpy as np
import pytest

from sales_process.engine.geo import (
	INSIDE,
	NO_DEVICE_LOCATION,
	NO_SITE_LOCATION,
	OUTSIDE,
	Fix,
	InvalidCoordinates,
	Point,
	accuracy_too_poor,
	distance_m,
	distances_m,
	geofence,
	geofence_results,
	impossible_travel,
	point,
	travel_speed_kmh,
)

NINGBO_PLANT = Point(29.8683, 121.5440)
T0 = datetime(2026, 11, 23, 9, 0)


def test_known_distance_shanghai_to_beijing():
	shanghai, beijing = Point(31.2304, 121.4737), Point(39.9042, 116.4074)
	assert distance_m(shanghai, beijing) == pytest.approx(1_067_000, rel=0.01)


def test_same_point_is_zero_and_distance_is_symmetric():
	assert distance_m(NINGBO_PLANT, NINGBO_PLANT) == 0
	other = Point(29.87, 121.55)
	assert distance_m(NINGBO_PLANT, other) == pytest.approx(distance_m(other, NINGBO_PLANT))


def test_antimeridian_is_a_short_hop_not_half_the_world():
	west, east = Point(0, 179.9995), Point(0, -179.9995)
	assert distance_m(west, east) == pytest.approx(111.2, abs=0.5)


def test_poles_all_longitudes_meet():
	assert distance_m(Point(90, 0), Point(90, 137)) == pytest.approx(0, abs=1e-6)
	assert distance_m(Point(-90, 0), Point(90, 0)) == pytest.approx(math.pi * 6_371_008.8)


def test_antipodes_do_not_break_asin():
	assert distance_m(Point(0, 0), Point(0, 180)) == pytest.approx(math.pi * 6_371_008.8)


@pytest.mark.parametrize(
	"lat, lon, message",
	[
		(91, 0, "latitude 91.0 is outside"),
		(0, 181, "longitude 181.0 is outside"),
		("north", 1, "must be numbers"),
		(float("nan"), 1, "finite"),
		(10, None, "together"),
		("", 5, "together"),
	],
)
def test_bad_coordinates_are_refused_with_a_reason(lat, lon, message):
	with pytest.raises(InvalidCoordinates, match=message):
		point(lat, lon)


def test_missing_coordinates_are_no_point_and_strings_are_accepted():
	assert point(None, None) is None
	assert point("", " ") is None
	assert point("29.8683", "121.544") == NINGBO_PLANT


def test_geofence_inside_outside_and_boundary():
	near = Point(29.8700, 121.5450)  # ~210 m
	far = Point(29.8800, 121.5440)  # ~1.3 km
	assert geofence(near, NINGBO_PLANT, 500).result == INSIDE
	check = geofence(far, NINGBO_PLANT, 500)
	assert check.result == OUTSIDE and check.distance_m == pytest.approx(1300, rel=0.01)
	exact = distance_m(near, NINGBO_PLANT)
	assert geofence(near, NINGBO_PLANT, exact).result == INSIDE


def test_geofence_without_locations():
	assert geofence(None, NINGBO_PLANT, 500) == geofence(None, None, 500)
	assert geofence(None, NINGBO_PLANT, 500).result == NO_DEVICE_LOCATION
	assert geofence(NINGBO_PLANT, None, 500).result == NO_SITE_LOCATION
	with pytest.raises(ValueError):
		geofence(NINGBO_PLANT, NINGBO_PLANT, 0)


def test_vectorised_distances_match_the_scalar_ones():
	rng = np.random.default_rng(3)
	lat1, lat2 = rng.uniform(-90, 90, 1000), rng.uniform(-90, 90, 1000)
	lon1, lon2 = rng.uniform(-180, 180, 1000), rng.uniform(-180, 180, 1000)
	vector = distances_m(lat1, lon1, lat2, lon2)
	scalar = [distance_m(Point(a, b), Point(c, d)) for a, b, c, d in zip(lat1, lon1, lat2, lon2, strict=True)]
	assert np.allclose(vector, scalar)


def test_vectorised_verdicts_mark_missing_sites():
	results = geofence_results(np.array([100.0, 900.0, np.nan]), 500)
	assert list(results) == [INSIDE, OUTSIDE, NO_SITE_LOCATION]
	assert np.isnan(distances_m([np.nan], [0], [0], [0])[0])


@pytest.mark.parametrize(
	"accuracy, poor", [(20, False), (100, False), (100.1, True), (None, True), (-1, True)]
)
def test_accuracy_limit(accuracy, poor):
	assert accuracy_too_poor(accuracy, 100) is poor


def test_driving_between_customers_is_possible_flying_is_not():
	start = Fix(NINGBO_PLANT, T0)
	hangzhou = Point(30.2741, 120.1551)  # ~140 km
	assert not impossible_travel(start, Fix(hangzhou, T0 + timedelta(hours=2)), max_kmh=200)
	assert impossible_travel(start, Fix(hangzhou, T0 + timedelta(minutes=20)), max_kmh=200)
	assert travel_speed_kmh(start, Fix(hangzhou, T0 + timedelta(hours=2))) == pytest.approx(70, rel=0.05)


def test_identical_timestamps():
	start = Fix(NINGBO_PLANT, T0)
	assert travel_speed_kmh(start, Fix(NINGBO_PLANT, T0)) == 0
	assert travel_speed_kmh(start, Fix(Point(30, 121), T0)) == math.inf
	assert impossible_travel(start, Fix(Point(30, 121), T0), max_kmh=200)
	# a GPS wobble in the same second is not travel
	assert not impossible_travel(start, Fix(Point(29.8684, 121.5440), T0), max_kmh=200, tolerance_m=50)


def test_first_check_in_has_nothing_to_compare():
	assert not impossible_travel(None, Fix(NINGBO_PLANT, T0), max_kmh=200)


def test_clock_going_backwards_counts_as_a_jump():
	start = Fix(NINGBO_PLANT, T0)
	assert impossible_travel(start, Fix(Point(30.2741, 120.1551), T0 - timedelta(minutes=5)), max_kmh=200)


@pytest.mark.parametrize(
	"metres, text",
	[
		(212.4, "212 m"),
		(999.4, "999 m"),
		(1340, "1.3 km"),
		(9_960, "10.0 km"),
		(141_062, "141 km"),
		(None, "?"),
		(float("nan"), "?"),
	],
)
def test_distances_read_as_people_say_them(metres, text):
	from sales_process.engine.geo import readable_distance

	assert readable_distance(metres) == text
