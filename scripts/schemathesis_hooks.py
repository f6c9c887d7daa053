"""Schemathesis hooks for the conformance run (SCHEMATHESIS_HOOKS=scripts.schemathesis_hooks).

cargo lambda's emulator turns each HTTP request into a JSON event, and JSON cannot carry
header bytes that are not UTF-8: for those the emulator itself answers a text/plain 500
before the function runs. Such headers are skipped here; the function's own handling of
non-UTF-8 bytes (a 400) is covered by the unit and property tests, which build requests
directly.
"""
import schemathesis


def _utf8_safe(values):
    return all(isinstance(v, str) and v.isascii() for v in (values or {}).values())


@schemathesis.hook
def filter_headers(ctx, headers):
    return _utf8_safe(headers)


@schemathesis.hook
def filter_cookies(ctx, cookies):
    return _utf8_safe(cookies)


@schemathesis.hook
def before_call(ctx, case, kwargs):
    # The coverage phase does not go through the filters above: replace such values with
    # an ASCII value that is just as malformed, so the case still expects a 400.
    for values in (case.headers, case.cookies):
        for name, value in list((values or {}).items()):
            if isinstance(value, str) and not value.isascii():
                values[name] = "non ascii " + value.encode("unicode_escape").decode("ascii")
