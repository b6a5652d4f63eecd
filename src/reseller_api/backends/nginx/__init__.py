"""The nginx + PHP-FPM web hosting backend (``RESELLER_API_WEB_BACKEND=nginx``).

- :mod:`.layout`: where every file lives, and the checks that keep names and paths inside it
- :mod:`.render`: the configuration files, from the Jinja2 templates in ``templates/``
- :mod:`.files`: atomic writes, and changes that are validated (``nginx -t``) or undone
- :mod:`.commands`: running the test and reload commands
- :mod:`.hosting`: :class:`NginxHosting`, the :class:`~reseller_api.backends.base.HostingBackend`
"""

from reseller_api.backends.nginx.hosting import NginxHosting

__all__ = ["NginxHosting"]
