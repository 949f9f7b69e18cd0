"""After hours: office hours, and callback requests that land in the staff console's queue.

``hours``: the office-hours setting read; ``store``: callback requests with the phone number
encrypted (masked in every list); ``web``: the public form and its endpoint, and the
console's routes to see, reveal (audited) and close a request.
"""
