"""``/v2/ssh``: every SSH key of the reseller, with the Linux hostings it is attached to."""
