"""MySQL databases (``/v2/mysqldatabases``): provisioned per account, with their users.

``service.py`` holds the databases, ``users.py`` their users, ``names.py`` the naming rules,
``passwords.py`` the password rules and hash, ``records.py`` the rows databases and users
share; ``jobs.py`` provisions them and ``routes.py`` is the controller.
"""
