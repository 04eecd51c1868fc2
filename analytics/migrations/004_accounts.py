"""Accounts: login and password-change times on ``app_user``, and the account settings
(password length, bcrypt cost) seeded from ``data/reference/auth_setting.csv``."""

from analytics.reference import read_csv


def apply(cur) -> None:
    cur.execute("ALTER TABLE app_user ADD COLUMN IF NOT EXISTS last_login_at TIMESTAMP")
    cur.execute("ALTER TABLE app_user ADD COLUMN IF NOT EXISTS password_changed_at TIMESTAMP")
    for r in read_csv("auth_setting.csv"):
        cur.execute("INSERT INTO setting VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
                    [r["key"], r["value"], r["description_vi"], r["description_en"], r["source"]])
