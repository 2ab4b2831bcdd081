"""pygls's protocol and stdio loop, answering every malformed message (see :mod:`.framing`).

:class:`RobustProtocol` parses a frame's body itself: a Parse error (-32700) for a body that
is not JSON, an Invalid Request (-32600) for one that is not a JSON-RPC 2.0 message, and an
Invalid params (-32602) *with the request's id* when pygls cannot structure a standard
request's params (pygls raises in ``structure_message``, where the id is lost, so such a
request was never answered). :func:`serve_io` runs :func:`.framing.run_async` in place of
``pygls.io_.run_async``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from threading import Event
from typing import TYPE_CHECKING, Any, BinaryIO

from cattrs import transform_error
from cattrs.errors import ClassValidationError
from lsprotocol.types import ResponseError, ResponseErrorMessage
from pygls.exceptions import JsonRpcException
from pygls.io_ import StdoutWriter
from pygls.protocol import LanguageServerProtocol

from . import framing

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

logger = logging.getLogger(__name__)


class RobustProtocol(LanguageServerProtocol):
    def reject(self, answer_id: Any, code: int, message: str) -> None:
        """An error response (``answer_id`` None: the id could not be read)."""
        error = ResponseError(code=code, message=message)
        self._send_data(ResponseErrorMessage(id=answer_id, error=error))

    def handle_body(self, body: bytes) -> None:
        try:
            message = json.loads(body)
        except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
            reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
            self.reject(None, framing.PARSE_ERROR, f"Parse error: the body is not JSON ({reason}).")
            return
        problem = framing.envelope_problem(message)
        if problem is not None:
            self.reject(*problem)
            return
        method = message.get("method")
        try:
            structured = self.structure_message(message)
        except JsonRpcException as error:
            if "id" not in message or method is None:
                logger.warning("Dropped a notification %r: its params do not fit", method)
                return
            self.reject(message["id"], framing.INVALID_PARAMS, _invalid_params(method, error))
            return
        try:
            self.handle_message(structured)
        except Exception as error:  # pygls answers requests itself; this is a last resort
            logger.exception("Unable to handle message")
            self._server._report_server_error(error, JsonRpcException)


def _invalid_params(method: str, error: JsonRpcException) -> str:
    cause = error.__cause__
    if isinstance(cause, ClassValidationError):
        details = "; ".join(transform_error(cause, path="params")[:5])
        return f"Invalid params for {method}: {details}."
    return f"Invalid params for {method}."


def serve_io(server: LanguageServer, stdin: BinaryIO | None, stdout: BinaryIO | None) -> None:
    """``LanguageServer.start_io`` with :func:`.framing.run_async` as the message loop."""
    protocol = server.protocol
    assert isinstance(protocol, RobustProtocol)
    server._stop_event = stop_event = Event()
    reader = framing.ExecutorReader(stdin or sys.stdin.buffer, server.thread_pool)
    protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
    try:
        asyncio.run(framing.run_async(stop_event, reader, protocol))
    except BrokenPipeError:
        logger.error("Connection to the client is lost! Shutting down the server.")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]
