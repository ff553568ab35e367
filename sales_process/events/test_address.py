import json

import frappe

from sales_process.testing import SalesProcessTestCase, make_customer, make_site_address


class TestAddressLocation(SalesProcessTestCase):
	def test_a_map_pick_fills_latitude_and_longitude(self):
		name = make_site_address("Customer", make_customer())
		address = frappe.get_doc("Address", name)
		address.sp_location = json.dumps(
			{
				"type": "FeatureCollection",
				"features": [
					{
						"type": "Feature",
						"properties": {},
						"geometry": {"type": "Point", "coordinates": [121.544, 29.8683]},
					}
				],
			}
		)
		address.save()
		self.assertEqual((address.sp_latitude, address.sp_longitude), (29.8683, 121.544))

	def test_typed_coordinates_out_of_range_are_refused(self):
		with self.assertRaises(frappe.ValidationError) as refusal:
			make_site_address("Customer", make_customer(), 29.8, 221.5)
		self.assertIn("longitude 221.5 is outside", str(refusal.exception))

	def test_addresses_without_a_location_are_untouched(self):
		name = make_site_address("Customer", make_customer())
		self.assertFalse(frappe.db.get_value("Address", name, "sp_latitude"))
