"""Accounts: login and password-change times on ``app_user``, and the account settings
(password length, bcrypt cost) seeded from ``data/reference/auth_setting.csv``."""

from analytics.reference import seed_settings


def apply(cur) -> None:
    cur.execute("ALTER TABLE app_user ADD COLUMN IF NOT EXISTS last_login_at TIMESTAMP")
    cur.execute("ALTER TABLE app_user ADD COLUMN IF NOT EXISTS password_changed_at TIMESTAMP")
    seed_settings(cur, "auth_setting.csv")
