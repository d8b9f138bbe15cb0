"""The Vimmerse Workflow API client: plain Python (httpx), no Qt."""

from app.api.bandwidth import BandwidthCap
from app.api.client import (
    DEFAULT_BASE_URL,
    DEFAULT_TIMEOUT,
    WorkflowClient,
    check_api_key,
    check_base_url,
)
from app.api.errors import (
    ApiError,
    BadRequestError,
    CancelledError,
    InsufficientCreditError,
    InvalidKeyError,
    KeyMissingError,
    KeyRefusedError,
    MalformedResponseError,
    MaybeCreatedError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    ValidationError,
)
from app.api.governor import RateGovernor
from app.api.models import (
    DEFAULT_TEMPLATE_ID,
    Completion,
    CreateRequest,
    MediaFile,
    Visibility,
    Workflow,
    WorkflowChanges,
    parse_timestamp,
)
from app.api.retry import RetryPolicy, parse_retry_after

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TEMPLATE_ID",
    "DEFAULT_TIMEOUT",
    "ApiError",
    "BadRequestError",
    "BandwidthCap",
    "CancelledError",
    "Completion",
    "CreateRequest",
    "InsufficientCreditError",
    "InvalidKeyError",
    "KeyMissingError",
    "KeyRefusedError",
    "MalformedResponseError",
    "MaybeCreatedError",
    "MediaFile",
    "NetworkError",
    "NotFoundError",
    "RateGovernor",
    "RateLimitedError",
    "RetryPolicy",
    "ServerError",
    "ValidationError",
    "Visibility",
    "Workflow",
    "WorkflowChanges",
    "WorkflowClient",
    "check_api_key",
    "check_base_url",
    "parse_retry_after",
    "parse_timestamp",
]
