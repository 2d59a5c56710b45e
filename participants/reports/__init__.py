"""Attendance reports for owners: fill rate, no-show rate, waitlist demand and busiest hours,
per schedule and per week, each as a server-drawn SVG chart with its numbers and a CSV.

``selectors`` aggregates in the database (a constant number of GROUP BY queries, whatever the
range), ``charts`` turns the numbers into SVG geometry, ``csv`` writes the downloads with the
participant export's formula-safe cells, ``forms`` reads the range and schedule filter.
"""
