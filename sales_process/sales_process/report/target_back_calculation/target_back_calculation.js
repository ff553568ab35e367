// Target back-calculation (目标倒推): what each rep needs a week to reach the period's target.
frappe.query_reports["Target Back-calculation"] = {
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
			reqd: 1,
		},
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: moment().startOf("quarter").format("YYYY-MM-DD"),
			reqd: 1,
		},
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
			default: moment().endOf("quarter").format("YYYY-MM-DD"),
			reqd: 1,
		},
		{
			fieldname: "target",
			label: __("Target"),
			fieldtype: "Currency",
			description: __("Leave empty to use the reps' Sales Person targets"),
		},
		{ fieldname: "history_months", label: __("History (months)"), fieldtype: "Int", default: 12 },
		{ fieldname: "sales_person", label: __("Sales Person"), fieldtype: "Link", options: "Sales Person" },
		{ fieldname: "territory", label: __("Territory"), fieldtype: "Link", options: "Territory" },
		{ fieldname: "customer_group", label: __("Customer Group"), fieldtype: "Link", options: "Customer Group" },
	],

	formatter(value, row, column, data, default_formatter) {
		const html = default_formatter(value, row, column, data);
		if (!data || !data.rep) {
			return html;
		}
		const deals = (filters) => {
			const params = new URLSearchParams({ opportunity_owner: data.rep, ...filters });
			if (data.company) {
				params.set("company", data.company);
			}
			return `/app/opportunity?${params.toString()}`;
		};
		const link = (url) => `<a href="${url}">${html}</a>`;
		switch (column.fieldname) {
			case "coverage":
				if (value === null || value === undefined || !data.coverage_band) {
					return html;
				}
				return `<span class="indicator-pill ${data.coverage_band}">${format_number(value, null, 2)}×</span>`;
			case "won":
				return link(deals({ status: "Converted" }));
			case "weighted_pipeline":
				return link(deals({ status: JSON.stringify(["not in", ["Converted", "Lost", "Closed"]]) }));
			case "decided":
			case "won_deals":
				return link(
					deals({
						status:
							column.fieldname === "won_deals"
								? "Converted"
								: JSON.stringify(["in", ["Converted", "Lost", "Closed"]]),
						creation: JSON.stringify(["between", [data.history_from, data.history_to]]),
					})
				);
			case "new_per_week":
				if (value === null || value === undefined) {
					return html;
				}
				// red when the rep opens fewer deals a week than they need
				return `<span style="color: var(--${value > (data.pace_per_week || 0) ? "red" : "green"}-600)">${html}</span>`;
			case "basis":
				return data.team_rates ? `<span style="color: var(--orange-600)">${html}</span>` : html;
			case "note":
				return data.status === "unreachable" ? `<span style="color: var(--red-600)">${html}</span>` : html;
			default:
				return html;
		}
	},
};
