"""The exception tree of judgebox. Each user mistake has its own type; one map turns them into HTTP.

JudgeboxError                      base; `message` says what to do
├── UsageError                     400 a bad request: malformed, missing or wrong-typed field
│   ├── CodeNotUtf8Error           400 the code is not UTF-8
│   └── ConfigError                a malformed JUDGEBOX_* variable (exit status 2 at start)
├── NotFoundError                  404
│   ├── UnknownProblemError        404 no such problem in the library
│   └── UnknownRunError            404 no such run (or it expired)
├── TooLargeError                  413 body or code over the configured cap
├── UnauthorizedError              401 the server's bearer token is missing or wrong
├── ForeignOriginError             403 a state-changing request from another site's page
├── UnsupportedMediaTypeError      415 a POST body that is not declared as JSON
├── UntrustedHostError             421 a Host header the server does not answer for
├── UnknownLanguageError           422 no such language
│   └── ToolchainUnavailableError  422 the language's compiler or interpreter is missing here
├── LimitAboveCapError             422 a request's `limits` above the server's cap
├── QueueFullError                 429 too many runs queued (`retry_after` seconds)
├── ShuttingDownError              503 the server is stopping
├── ProblemPackageError            a broken problem package: names the file and the fix
├── LanguageTableError             a broken languages.toml (the operator's, a 500)
└── SandboxError                   the sandbox could not do its job (the judge's fault: IE)
    └── IsolationUnavailableError  the host lacks user namespaces or cgroups
"""

from __future__ import annotations


class JudgeboxError(Exception):
    """Base of every error judgebox raises on purpose."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(JudgeboxError):
    code = "bad-request"


class ConfigError(UsageError):
    """A setting that cannot be read (names the JUDGEBOX_* variable and what it must be)."""


class CodeNotUtf8Error(UsageError):
    code = "code-not-utf8"


class NotFoundError(JudgeboxError):
    code = "not-found"


class UnknownProblemError(NotFoundError):
    code = "unknown-problem"


class UnknownRunError(NotFoundError):
    code = "unknown-run"


class TooLargeError(JudgeboxError):
    code = "too-large"


class UnauthorizedError(JudgeboxError):
    code = "unauthorized"


class ForeignOriginError(JudgeboxError):
    code = "foreign-origin"


class UnsupportedMediaTypeError(JudgeboxError):
    code = "unsupported-media-type"


class UntrustedHostError(JudgeboxError):
    code = "untrusted-host"


class UnknownLanguageError(JudgeboxError):
    code = "unknown-language"


class ToolchainUnavailableError(UnknownLanguageError):
    code = "language-unavailable"


class LimitAboveCapError(JudgeboxError):
    """A request's `limits` ask for more than the server's cap (422)."""

    code = "limit-above-cap"


class LanguageTableError(JudgeboxError):
    code = "broken-language-table"


class QueueFullError(JudgeboxError):
    code = "queue-full"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ShuttingDownError(JudgeboxError):
    code = "shutting-down"


class ProblemPackageError(JudgeboxError):
    code = "broken-problem-package"


class SandboxError(JudgeboxError):
    code = "sandbox-error"


class IsolationUnavailableError(SandboxError):
    code = "isolation-unavailable"
