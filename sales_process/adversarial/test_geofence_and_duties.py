"""A rep tries to move the geofence centre; a manager tries to approve their own deal
(issue 11, "The geofence centre cannot be moved by a rep" and "Separation of duties")."""

import json

import frappe

from sales_process import api
from sales_process.testing import (
	NEAR_PLANT,
	OTHER_REP,
	PLANT,
	SALES_MANAGER,
	SALES_USER,
	AdversaryTestCase,
	as_user,
	client_set_value,
	make_customer,
	make_site_address,
	make_visit,
	records,
	rest_post,
	rest_put,
)

REP_POSITION = (31.2304, 121.4737)  # where the rep really is: Shanghai, 150 km from the plant


def geojson(latitude, longitude) -> str:
	return json.dumps(
		{
			"type": "FeatureCollection",
			"features": [
				{
					"type": "Feature",
					"properties": {},
					"geometry": {"type": "Point", "coordinates": [longitude, latitude]},
				}
			],
		}
	)


class TestGeofenceCentre(AdversaryTestCase):
	def site(self):
		customer = make_customer()
		return customer, make_site_address("Customer", customer, *PLANT)

	def test_a_located_site_cannot_be_moved_by_a_rep_on_any_path(self):
		_customer, address = self.site()
		self.assertTrue(frappe.db.get_value("Address", address, "sp_location_confirmed_by"))
		attacks = {
			"map only": lambda: rest_put("Address", address, {"sp_location": geojson(*REP_POSITION)}),
			"numbers": lambda: rest_put(
				"Address", address, {"sp_latitude": REP_POSITION[0], "sp_longitude": REP_POSITION[1]}
			),
			"clear": lambda: rest_put(
				"Address", address, {"sp_location": None, "sp_latitude": None, "sp_longitude": None}
			),
			"set_value": lambda: client_set_value("Address", address, "sp_latitude", REP_POSITION[0]),
		}
		for entry, attack in attacks.items():
			with self.subTest(entry):
				self.assertRefusedUnchanged(attack, "Address", address)
		# a forged "confirmed by" is simply not taken
		with as_user(SALES_USER):
			client_set_value("Address", address, "sp_location_confirmed_by", SALES_USER)
		self.assertEqual(frappe.db.get_value("Address", address, "sp_location_confirmed_by"), "Administrator")

	def test_a_new_address_at_the_reps_position_is_not_a_geofence_centre(self):
		customer, _address = self.site()
		with as_user(SALES_USER):
			forged = rest_post(
				"Address",
				{
					"address_title": "Gate 2",
					"address_type": "Billing",
					"address_line1": "2 Harbour Road",
					"city": "Ningbo",
					"country": frappe.db.get_value("Address", _address, "country"),
					"is_primary_address": 1,
					"sp_latitude": REP_POSITION[0],
					"sp_longitude": REP_POSITION[1],
					"sp_location_confirmed": 1,
					"links": [{"link_doctype": "Customer", "link_name": customer}],
				},
			)
			self.assertFalse(frappe.db.get_value("Address", forged.name, "sp_location_confirmed_by"))
			visit = make_visit(customer)
			rest_put("Sales Visit Log", visit.name, {"address": forged.name})
			api.check_in(visit.name, *REP_POSITION, accuracy=10)
		visit.reload()
		self.assertEqual(visit.geofence_result, "No Site Location")
		self.assertTrue(visit.needs_review)
		self.assertEqual((visit.address, visit.site_located_by), (forged.name, SALES_USER))
		self.assertIn("not confirmed", visit.flags_note)
		# a manager confirms it: from then on it is a centre (and the visit says who)
		with as_user(SALES_MANAGER):
			rest_put("Address", forged.name, {"sp_location_confirmed": 1})
		self.assertEqual(
			frappe.db.get_value("Address", forged.name, "sp_location_confirmed_by"), SALES_MANAGER
		)

	def test_bad_map_values_and_numbers_as_text_get_a_clear_message(self):
		_customer, address = self.site()
		fresh = make_site_address("Customer", make_customer())
		for value in (
			"{not json",
			json.dumps({"features": [{"geometry": {"type": "Point", "coordinates": ["east", "north"]}}]}),
			json.dumps({"features": [{"geometry": {"type": "Point", "coordinates": [500, 100]}}]}),
		):
			with self.subTest(value), self.assertRaises(frappe.ValidationError) as refusal:
				rest_put("Address", fresh, {"sp_location": value})
			self.assertIn("site location is invalid", str(refusal.exception))
		with self.assertRaises(frappe.ValidationError) as refusal:
			rest_put("Address", fresh, {"sp_latitude": "north", "sp_longitude": "121.5"})
		self.assertIn("must be numbers", str(refusal.exception))
		rest_put(
			"Address", fresh, {"sp_latitude": "29.8683", "sp_longitude": "121.5440"}
		)  # numbers as text are numbers
		self.assertAlmostEqual(frappe.db.get_value("Address", fresh, "sp_latitude"), 29.8683, places=4)


class TestSeparationOfDuties(AdversaryTestCase):
	def test_a_manager_does_not_waive_their_own_deal(self):
		deal = self.deal(owner=SALES_MANAGER)
		(record,) = records(deal.name, "Requirement Clarification")
		exception = self.assertRefusedUnchanged(
			lambda: api.waive_checkpoint(record.name, "I know this customer"),
			"Sales Checkpoint Record",
			record.name,
			user=SALES_MANAGER,
		)
		self.assertIn("your own deal", str(exception))
		# another manager can; or Settings allow it explicitly
		frappe.db.set_single_value("Sales Process Settings", "allow_self_approval", 1)
		frappe.clear_document_cache("Sales Process Settings", "Sales Process Settings")
		try:
			with as_user(SALES_MANAGER):
				api.waive_checkpoint(record.name, "Allowed by policy for the pilot")
		finally:
			frappe.db.set_single_value("Sales Process Settings", "allow_self_approval", 0)
			frappe.clear_document_cache("Sales Process Settings", "Sales Process Settings")
		self.assertEqual(frappe.db.get_value("Sales Checkpoint Record", record.name, "status"), "Waived")

	def test_a_manager_does_not_review_their_own_flagged_visit(self):
		customer = make_customer()
		make_site_address("Customer", customer, *PLANT)
		with as_user(SALES_MANAGER):
			visit = make_visit(customer)
			api.check_in(visit.name, *REP_POSITION, accuracy=10)  # 150 km away: flagged
		self.assertEqual(frappe.db.get_value("Sales Visit Log", visit.name, "needs_review"), 1)
		self.assertRefusedUnchanged(
			lambda: api.review_visit(visit.name, "Looks fine"),
			"Sales Visit Log",
			visit.name,
			user=SALES_MANAGER,
		)
		with as_user("Administrator"):
			api.review_visit(visit.name, "Trade fair in Shanghai, confirmed with the customer")
		self.assertEqual(
			frappe.db.get_value("Sales Visit Log", visit.name, "review_comment"),
			"Trade fair in Shanghai, confirmed with the customer",
		)

	def test_risk_pre_registration_waits_for_the_reps_choice(self):
		deal = self.deal(owner=SALES_USER)
		with as_user(SALES_USER):
			frappe.get_doc(
				{
					"doctype": "Sales Objection",
					"reference_doctype": "Opportunity",
					"reference_name": deal.name,
					"customer_words": "预算不够,太贵了",
				}
			).insert()
		(record,) = records(deal.name, "Risk Pre-registration")
		self.assertEqual(record.status, "Pending")  # the type's default strategy is only a suggestion
		signal = frappe.get_doc("Sales Risk Signal", record.trigger_key.split(":", 1)[1])
		self.assertEqual(
			(signal.strategy, signal.suggested_strategy, signal.assigned_to),
			(None, "Phase the Budget", SALES_USER),
		)
		# another team's rep cannot choose it for them
		self.assertRefusedUnchanged(
			lambda: api.choose_risk_strategy(signal.name, "Phase the Budget"),
			"Sales Risk Signal",
			signal.name,
			user=OTHER_REP,
		)
		with as_user(SALES_USER):
			api.choose_risk_strategy(signal.name, signal.suggested_strategy)  # the visit's prompt
		self.assertEqual(frappe.db.get_value("Sales Checkpoint Record", record.name, "status"), "Completed")
		self.assertTrue(frappe.db.get_value("Sales Checkpoint Record", record.name, "on_time"))

	def test_the_near_site_still_checks_in_inside(self):
		customer = make_customer()
		make_site_address("Customer", customer, *PLANT)
		with as_user(SALES_USER):
			visit = make_visit(customer)
			api.check_in(visit.name, *NEAR_PLANT, accuracy=10)
		self.assertEqual(frappe.db.get_value("Sales Visit Log", visit.name, "geofence_result"), "Inside")
