"""Lock-out per computer: failed logins counted per (client, account) and per client, so that a
stranger's attempts slow down that stranger, not the account's owner on another computer; and the
``throttle_base_seconds`` setting."""

from analytics.reference import seed_settings


def apply(cur) -> None:
    cur.execute("""CREATE TABLE IF NOT EXISTS login_throttle (
        client VARCHAR NOT NULL,          -- the computer's address ('cli:<user>' on the command line)
        username VARCHAR NOT NULL,        -- '' = failures under any name from this client
        failures INTEGER NOT NULL,
        last_failure TIMESTAMP NOT NULL,
        blocked_until TIMESTAMP,
        PRIMARY KEY (client, username))""")
    seed_settings(cur, "auth_setting.csv")
