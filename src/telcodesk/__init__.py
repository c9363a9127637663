"""telcodesk — customer-service work orders for telecom carriers."""

__version__ = "0.1.0"
