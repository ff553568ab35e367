// The filters every Sales Process report shares; the server reads the same names
// (process/report_scope.py) and limits them to what the reader may see.
frappe.provide("sales_process.reports");

sales_process.reports.scope_filters = function ({ checkpoint = false, customer_group = true } = {}) {
	const filters = [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
		},
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.add_months(frappe.datetime.month_start(), -2),
			reqd: 1,
		},
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today(), reqd: 1 },
		{ fieldname: "sales_person", label: __("Sales Person"), fieldtype: "Link", options: "Sales Person" },
		{ fieldname: "territory", label: __("Territory"), fieldtype: "Link", options: "Territory" },
	];
	if (customer_group) {
		filters.push({ fieldname: "customer_group", label: __("Customer Group"), fieldtype: "Link", options: "Customer Group" });
	}
	if (checkpoint) {
		filters.push({ fieldname: "checkpoint", label: __("Checkpoint"), fieldtype: "Link", options: "Sales Checkpoint" });
	}
	return filters;
};
