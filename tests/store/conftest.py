from tests.smtpserver import smtp_server  # noqa: F401  (the real SMTP server fixture)
