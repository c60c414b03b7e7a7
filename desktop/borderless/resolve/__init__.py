"""From host names to the machines that answered for them: DNS resolution and geolocation.

These modules return values; they never write. The pipeline stores what they find.
"""
