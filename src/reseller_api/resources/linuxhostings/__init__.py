"""``/v2/linuxhostings``: hostings, their settings, sites, SSH keys and scheduled tasks."""
