"""A real aiosmtpd server on a free loopback port, for mailwatch's tests.

Stores each message as <n>.eml plus <n>.json (envelope) in --dir, refuses RCPT for
addresses starting with "reject" (550) or "defer" (450), optionally requires AUTH,
and prints "ready <port>" once listening. Debian package: python3-aiosmtpd.

aiosmtpd does not announce PIPELINING, but it reads commands and message content from one
buffered stream strictly in order, which is all RFC 2920 asks of a server; --pipelining
announces it, so a pipelining client can be checked against that reader.
"""
import argparse
import asyncio
import json
import os
import signal

from aiosmtpd.smtp import SMTP, AuthResult


class Store:
    def __init__(self, directory, pipelining=False, eight_bit_mime=True):
        self.directory = directory
        self.count = 0
        self.pipelining = pipelining
        self.eight_bit_mime = eight_bit_mime

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(len(responses) - 1, "250-PIPELINING")
        if not self.eight_bit_mime:
            # A relay without 8BITMIME (aiosmtpd offers it by default); it then refuses BODY=.
            responses[:] = [r for r in responses if "8BITMIME" not in r]
            responses[-1] = "250 " + responses[-1][4:]
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject"):
            return "550 5.1.1 no such user"
        if address.startswith("defer"):
            return "450 4.2.1 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.directory, str(self.count))
        content = envelope.original_content or envelope.content
        with open(base + ".eml.part", "wb") as f:
            f.write(content if isinstance(content, bytes) else content.encode())
        with open(base + ".json", "w") as f:
            json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                       "options": envelope.mail_options}, f)
        os.rename(base + ".eml.part", base + ".eml")
        return "250 2.0.0 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--auth", help="user:password to require")
    parser.add_argument("--no-smtputf8", action="store_true")
    parser.add_argument("--pipelining", action="store_true")
    parser.add_argument("--no-8bitmime", action="store_true")
    args = parser.parse_args()
    handler = Store(args.dir, args.pipelining, not args.no_8bitmime)
    creds = args.auth.split(":", 1) if args.auth else None

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = creds is not None and auth_data.login.decode() == creds[0] and auth_data.password.decode() == creds[1]
        # handled=False makes aiosmtpd answer 535 itself (its default is to say nothing).
        return AuthResult(success=ok, handled=False)

    def factory():
        return SMTP(handler, enable_SMTPUTF8=not args.no_smtputf8, decode_data=False,
                    authenticator=authenticator if creds else None,
                    auth_required=bool(creds), auth_require_tls=False)

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(factory, "127.0.0.1", 0))
    port = server.sockets[0].getsockname()[1]
    print(f"ready {port}", flush=True)
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.run_forever()
    server.close()


if __name__ == "__main__":
    main()
