"""Customers: one directory of the people a business knows (its participants and appointment
customers, joined by email or by the customer link), searched, shown, exported and erased."""
