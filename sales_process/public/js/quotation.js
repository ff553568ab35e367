// Solution Match Verification and other checkpoints started by this Quotation.
sales_process.setup_selling_form("Quotation");
