"""Appointments (bookable appointments, slots, bookings) arrive in a later stage."""
