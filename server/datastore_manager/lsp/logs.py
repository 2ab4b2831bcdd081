"""Server log hygiene: an expected failure answered to the client is one log line.

pygls logs every exception a request handler raises with its traceback
(``logger.exception('Exception occurred for message …')``). Conflicts, session locks, refusals
of the safety gate, not-found and the like are answers, not faults: :class:`ExpectedErrors`
rewrites those records to a single line naming the error (code, class, message). Anything else
keeps its traceback.
"""

from __future__ import annotations

import logging

from lsprotocol.types import ErrorCodes, LSPErrorCodes
from pygls.exceptions import JsonRpcException

from .errors import DataStoreRpcError

#: Protocol-level answers that are not faults either (a stale pull diagnostic, a cancel).
EXPECTED_CODES = {
    int(LSPErrorCodes.ServerCancelled),
    int(LSPErrorCodes.RequestCancelled),
    int(LSPErrorCodes.ContentModified),
    int(ErrorCodes.MethodNotFound),
}

#: The pygls loggers that log handler exceptions.
LOGGERS = ("pygls.protocol.json_rpc", "pygls.protocol.language_server", "pygls.server")


class ExpectedErrors(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        expected = isinstance(error, DataStoreRpcError) or (
            isinstance(error, JsonRpcException) and error.code in EXPECTED_CODES
        )
        if expected and isinstance(error, JsonRpcException):
            data = error.data if isinstance(error.data, dict) else {}
            name = data.get("error") or type(error).__name__
            record.args = (record.getMessage(), error.code, name, error.message)
            record.msg = "%s: answered with error %s %s: %s"
            record.exc_info = None
            record.exc_text = None
            # WARNING: still shown where only warnings are (Python's last-resort handler).
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def install() -> ExpectedErrors:
    """Attach the filter (idempotent) and return it."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        existing = [f for f in logger.filters if isinstance(f, ExpectedErrors)]
        if not existing:
            logger.addFilter(ExpectedErrors())
    return next(f for f in logging.getLogger(LOGGERS[0]).filters if isinstance(f, ExpectedErrors))
