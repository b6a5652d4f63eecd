"""One module per API resource, each written once for both clients.

A resource class is generic in its mode, :class:`Sync` or :class:`Async`. Its operations
only *describe* a request (a :class:`~reseller_api.client.core.Call`); the descriptors below
hand each one to the client that owns the resource, so ``client.accounts.get(1)`` returns
an ``AccountDetail`` on a ``Client`` and an awaitable of one on an ``AsyncClient``.
Operations that start a provisioning job are typed per mode with self-typed overloads
(``create(..., wait=True)`` returns the created resource, else a job handle) and run by
:func:`start`, so every resource class, these too, is one generic class that
:class:`~reseller_api.client.resources.catalog.Resources` declares once for both clients.
"""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Concatenate, Generic, ParamSpec, Protocol, TypeVar, cast, overload

from reseller_api.client.core import DEFAULT_PAGE_SIZE, Call
from reseller_api.client.jobs import AsyncJob, Job

P = ParamSpec("P")
T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


class Sync:
    """Mode marker: operations return their result."""


class Async:
    """Mode marker: operations return awaitables (and async iterators)."""


M = TypeVar("M", Sync, Async)


# What a resource needs of the client that holds it, typed here rather than by importing the
# clients (they import the resources to hold them).


class Runner(Protocol):
    """What a :class:`Resource` runs its operations on: a :class:`~reseller_api.client.Client`."""

    def execute(self, call: Call[T]) -> T: ...
    def iterate(self, call: Call[list[T]], page_size: int = ...) -> Iterator[T]: ...
    def start(self, call: Call[T]) -> Job[T]: ...


class AsyncRunner(Protocol):
    """What a :class:`Resource` runs its operations on: an :class:`~reseller_api.client.AsyncClient`."""

    async def execute(self, call: Call[T]) -> T: ...
    def iterate(self, call: Call[list[T]], page_size: int = ...) -> AsyncIterator[T]: ...
    async def start(self, call: Call[T]) -> AsyncJob[T]: ...


class Resource(Generic[M]):
    """A group of operations bound to one client (and, for nested resources, to a parent name)."""

    def __init__(self, client: Runner | AsyncRunner) -> None:
        self._client = client


class Operation(Generic[P, T]):
    """``@operation``: a method that returns a ``Call[T]`` becomes one that runs it."""

    def __init__(self, build: Callable[Concatenate[Any, P], Call[T]]) -> None:
        self.build = build
        self.__doc__ = build.__doc__

    @overload
    def __get__(self, obj: None, owner: type) -> Operation[P, T]: ...
    @overload
    def __get__(self, obj: Resource[Sync], owner: type) -> Callable[P, T]: ...
    @overload
    def __get__(self, obj: Resource[Async], owner: type) -> Callable[P, Awaitable[T]]: ...
    def __get__(self, obj: Resource[Any] | None, owner: type) -> Any:
        if obj is None:
            return self
        build, client = self.build, obj._client

        def run(*args: P.args, **kwargs: P.kwargs) -> Any:
            return client.execute(build(obj, *args, **kwargs))

        run.__doc__ = self.__doc__
        return run


class Paginated(Generic[P, T]):
    """``@paginated``: a method that returns a ``Call[list[T]]`` becomes a lazy iterator over every page.

    The wrapped method's ``page_size`` keyword (if it has one) is how many items each request asks for.
    """

    def __init__(self, build: Callable[Concatenate[Any, P], Call[list[T]]]) -> None:
        self.build = build
        self.__doc__ = build.__doc__

    @overload
    def __get__(self, obj: None, owner: type) -> Paginated[P, T]: ...
    @overload
    def __get__(self, obj: Resource[Sync], owner: type) -> Callable[P, Iterator[T]]: ...
    @overload
    def __get__(self, obj: Resource[Async], owner: type) -> Callable[P, AsyncIterator[T]]: ...
    def __get__(self, obj: Resource[Any] | None, owner: type) -> Any:
        if obj is None:
            return self
        build, client = self.build, obj._client

        def run(*args: P.args, **kwargs: P.kwargs) -> Any:
            page_size = kwargs.get("page_size", DEFAULT_PAGE_SIZE)
            return client.iterate(build(obj, *args, **kwargs), int(page_size))  # type: ignore[call-overload]

        run.__doc__ = self.__doc__
        return run


def operation(build: Callable[Concatenate[Any, P], Call[T]]) -> Operation[P, T]:
    return Operation(build)


def paginated(build: Callable[Concatenate[Any, P], Call[list[T]]]) -> Paginated[P, T]:
    return Paginated(build)


def starts_job(method: F) -> F:
    r"""The implementation of an operation that starts a job (its ``@overload``\ s give the types).

    Bound to a resource of an :class:`AsyncClient` it is a coroutine function, as the
    ``async def`` overloads announce (``inspect.iscoroutinefunction`` and retry decorators
    rely on it); bound to one of a :class:`Client`, a plain method.
    """
    return cast(F, _StartsJob(method))


class _StartsJob:
    def __init__(self, method: Callable[..., Any]) -> None:
        self.method = method
        self.__doc__ = method.__doc__

    def __get__(self, obj: Resource[Any] | None, owner: type) -> Any:
        if obj is None:  # on the class: the function, as for any method
            return self.method
        method = self.method
        if not _is_async(obj):
            return types.MethodType(method, obj)

        @functools.wraps(method)
        async def run(*args: Any, **kwargs: Any) -> Any:
            return await method(obj, *args, **kwargs)

        return run


def _is_async(resource: Resource[Any]) -> bool:
    # The client's mode: its ``start`` is a coroutine function on the asynchronous client only.
    return inspect.iscoroutinefunction(resource._client.start)


def start(resource: Resource[Any], build: Callable[[], Call[T]], wait: bool, timeout: float) -> Any:
    """Start the job of the request ``build`` describes; with ``wait``, wait and return what it made.

    On a :class:`Client` that is a :class:`Job` (or the result); on an :class:`AsyncClient` a
    coroutine of one, which describes and sends the request only once awaited, as the
    ``async def`` the typed overloads announce would (and :func:`starts_job` awaits).
    """
    if _is_async(resource):
        return _astart(cast(AsyncRunner, resource._client), build, wait, timeout)
    job = cast(Runner, resource._client).start(build())
    return job.wait(timeout) if wait else job


async def _astart(client: AsyncRunner, build: Callable[[], Call[T]], wait: bool, timeout: float) -> Any:
    job = await client.start(build())
    return await job.wait(timeout) if wait else job
