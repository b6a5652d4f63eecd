"""``/controlpanel``: server-rendered pages for resellers; every form works without JavaScript.

Every form carries a CSRF token; every change is recorded in the audit log with the user,
the change and the caller's address. A secret is rendered once, in the answer to the POST
that created it (never behind a redirect that a reload could show again), and only there.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter, QueryParameter
from litestar.response import Redirect, Template

from reseller_api.controlpanel import audit, overview, sessions, users
from reseller_api.controlpanel.users import PanelUser
from reseller_api.controlpanel.web import (
    EXCEPTION_HANDLERS,
    PREFIX,
    SECURITY_HEADERS,
    CsrfRefused,
    Panel,
    PanelDep,
    SignedIn,
    page,
    provide_panel,
    provide_session,
    redirect,
)
from reseller_api.credentials.service import parse_network
from reseller_api.errors import ApiProblem, define

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
KeyParam = Annotated[str, Parameter(description="The API key.")]
NoticeParam = Annotated[str | None, Parameter(description="Which confirmation to show.")]
TokenParam = Annotated[str, Parameter(description="The one-time set-password token.")]
AUDIT_PAGE = 50

KEY_REVOKED = define("panel_api_key_revoked", 400, "This API key is revoked; create a new one.")
NETWORK_NOT_WHITELISTED = define(
    "panel_network_not_whitelisted", 404, "This address is not whitelisted for this key."
)
SIGNIN_FAILED = define("panel_signin_failed", 400, "Wrong e-mail address or password.")
SIGNIN_LOCKED = define(
    "panel_signin_locked", 429, "Too many failed sign-in attempts; wait a few minutes, then try again."
)

NOTICES = {
    "created": "Your password is set. Sign in with it.",
    "password": "Your password is changed. Your other sessions have been signed out.",
    "revoked": "The key is revoked: it is refused from the next request on.",
    "allowed": "The address is whitelisted for this key.",
    "denied": "The address is removed from this key's whitelist.",
    "signedout": "You are signed out.",
}


def _text(form: dict[str, Any], name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _checked(session: SignedIn, form: dict[str, Any]) -> dict[str, Any]:
    if not sessions.csrf_matches(session.csrf_token, form):
        raise CsrfRefused
    return form


def _notice(notice: str | None) -> str | None:
    return NOTICES.get(notice or "")


def _audit(panel: Panel, user: PanelUser, address: str | None, action: str, detail: str = "") -> None:
    """Record what a signed-in user did through the panel, in the audit log."""
    audit.record(
        panel.context.database,
        reseller_id=user.reseller_id,
        actor_kind=audit.USER,
        actor=user.email,
        action=action,
        detail=detail,
        address=address,
    )


class ControlPanel(Controller):
    path = PREFIX
    include_in_schema = False
    dependencies = {
        "panel": Provide(provide_panel, sync_to_thread=False),
        "session": Provide(provide_session, sync_to_thread=False),
    }
    exception_handlers = EXCEPTION_HANDLERS
    response_headers = SECURITY_HEADERS

    # -- signing in and out ------------------------------------------------------------

    @get("/signin", sync_to_thread=False)
    def signin_form(
        self, request: Request[Any, Any, Any], panel: PanelDep, notice: NoticeParam = None
    ) -> Template | Redirect:
        if sessions.load(panel.context.database, request.cookies.get(sessions.SESSION_COOKIE)):
            return redirect("/")
        return self._signin_page(request, panel, notice=_notice(notice))

    def _signin_page(
        self,
        request: Request[Any, Any, Any],
        panel: PanelDep,
        *,
        status_code: int = 200,
        error: str | None = None,
        email: str = "",
        notice: NoticeParam = None,
    ) -> Template:
        csrf = request.cookies.get(sessions.CSRF_COOKIE) or sessions.new_csrf_value()
        response = page(
            "signin.html", status_code=status_code, csrf_token=csrf, error=error, email=email, notice=notice
        )
        response.cookies.append(sessions.csrf_cookie(csrf, panel.is_https(request)))
        return response

    @post("/signin", sync_to_thread=True)
    def signin(self, request: Request[Any, Any, Any], panel: PanelDep, data: Form) -> Template | Redirect:
        if not sessions.csrf_matches(request.cookies.get(sessions.CSRF_COOKIE), data):
            raise CsrfRefused
        email, password = _text(data, "email").strip(), _text(data, "password")
        address = panel.address(request)
        wait = panel.throttle.wait_seconds(email, address)
        if wait is not None:
            minutes = max(1, round(wait / 60))
            text = f"{SIGNIN_LOCKED.text} (about {minutes} minute{'s' if minutes > 1 else ''})"
            return self._signin_page(request, panel, status_code=429, error=text, email=email)
        user = users.authenticate(panel.context.database, email, password)
        if user is None:
            panel.throttle.failed(email, address)
            return self._signin_page(request, panel, status_code=400, error=SIGNIN_FAILED.text, email=email)
        panel.throttle.succeeded(email)
        # A new session id at every sign-in: a token planted before it is worth nothing.
        token, _ = sessions.start(panel.context.database, user, request.cookies.get(sessions.SESSION_COOKIE))
        _audit(panel, user, address, "sign in")
        response = redirect("/")
        response.cookies.append(sessions.session_cookie(token, panel.is_https(request)))
        return response

    @post("/signout", sync_to_thread=True)
    def signout(
        self, request: Request[Any, Any, Any], panel: PanelDep, session: SignedIn, data: Form
    ) -> Redirect:
        _checked(session, data)
        sessions.end(panel.context.database, session)
        _audit(panel, session.user, panel.address(request), "sign out")
        response = redirect("/signin?notice=signedout")
        response.cookies.append(sessions.expired_session_cookie(panel.is_https(request)))
        return response

    # -- passwords -----------------------------------------------------------------------

    @get("/set-password", sync_to_thread=False)
    def set_password_form(
        self, request: Request[Any, Any, Any], panel: PanelDep, token: TokenParam = ""
    ) -> Template:
        user = users.user_for_token(panel.context.database, token) if token else None
        return self._set_password_page(request, panel, token, user, status_code=200 if user else 400)

    def _set_password_page(
        self,
        request: Request[Any, Any, Any],
        panel: PanelDep,
        token: str,
        user: users.PanelUser | None,
        *,
        status_code: int = 200,
        error: str | None = None,
    ) -> Template:
        csrf = request.cookies.get(sessions.CSRF_COOKIE) or sessions.new_csrf_value()
        response = page(
            "set_password.html",
            status_code=status_code,
            csrf_token=csrf,
            token=token,
            user=user,
            error=error if user else users.TOKEN_INVALID.text,
            min_length=users.MIN_PASSWORD,
        )
        response.cookies.append(sessions.csrf_cookie(csrf, panel.is_https(request)))
        return response

    @post("/set-password", sync_to_thread=True)
    def set_password(
        self, request: Request[Any, Any, Any], panel: PanelDep, data: Form
    ) -> Template | Redirect:
        if not sessions.csrf_matches(request.cookies.get(sessions.CSRF_COOKIE), data):
            raise CsrfRefused
        token = _text(data, "token")
        try:
            user = users.set_password_with_token(
                panel.context.database, token, _text(data, "password"), _text(data, "confirm")
            )
        except ApiProblem as problem:
            pending = users.user_for_token(panel.context.database, token) if token else None
            return self._set_password_page(
                request, panel, token, pending, status_code=400, error=problem.text
            )
        _audit(panel, user, panel.address(request), "set password", "with the one-time link")
        return redirect("/signin?notice=created")

    @get("/password", sync_to_thread=False)
    def password_form(self, session: SignedIn, notice: NoticeParam = None) -> Template:
        return page(
            "password.html", session, nav="password", min_length=users.MIN_PASSWORD, notice=_notice(notice)
        )

    @post("/password", sync_to_thread=True)
    def change_password(
        self, request: Request[Any, Any, Any], panel: PanelDep, session: SignedIn, data: Form
    ) -> Template | Redirect:
        _checked(session, data)
        try:
            users.change_password(
                panel.context.database,
                session.user,
                _text(data, "current"),
                _text(data, "password"),
                _text(data, "confirm"),
                keep_session=session.id,
            )
        except ApiProblem as problem:
            return page(
                "password.html",
                session,
                status_code=400,
                nav="password",
                min_length=users.MIN_PASSWORD,
                error=problem.text,
            )
        _audit(panel, session.user, panel.address(request), "change password")
        return redirect("/password?notice=password")

    # -- overview ------------------------------------------------------------------------

    @get("/", sync_to_thread=False)
    def home(self, panel: PanelDep, session: SignedIn) -> Template:
        database, reseller = panel.context.database, session.user.reseller_id
        return page(
            "overview.html",
            session,
            nav="overview",
            keys=overview.keys(panel, session.user.reseller),
            accounts=overview.account_views(database, reseller),
            jobs=overview.latest_jobs(database, reseller),
        )

    # -- API keys ------------------------------------------------------------------------

    @get("/keys", sync_to_thread=False)
    def keys(self, panel: PanelDep, session: SignedIn, notice: NoticeParam = None) -> Template:
        return page(
            "keys.html",
            session,
            nav="keys",
            keys=overview.keys(panel, session.user.reseller),
            notice=_notice(notice),
        )

    @post("/keys", sync_to_thread=True)
    def create_key(
        self, request: Request[Any, Any, Any], panel: PanelDep, session: SignedIn, data: Form
    ) -> Template:
        _checked(session, data)
        address = panel.address(request)
        networks = [address] if _text(data, "allow_current") == "yes" and address != "unknown" else []
        created = panel.credentials.create_key(session.user.reseller, networks)
        _audit(
            panel,
            session.user,
            address,
            "create API key",
            created.api_key + (f", whitelisted {networks[0]}" if networks else ""),
        )
        return page("secret.html", session, nav="keys", created=created, rotated=False, status_code=201)

    @get("/keys/{api_key:str}", sync_to_thread=False)
    def key(
        self,
        request: Request[Any, Any, Any],
        panel: PanelDep,
        session: SignedIn,
        api_key: KeyParam,
        notice: NoticeParam = None,
    ) -> Template:
        view = overview.owned_key(panel.credentials, session.user.reseller, api_key)
        return self._key_page(request, panel, session, view, notice=_notice(notice))

    def _key_page(
        self,
        request: Request[Any, Any, Any],
        panel: PanelDep,
        session: SignedIn,
        view: overview.KeyView,
        *,
        status_code: int = 200,
        error: str | None = None,
        notice: NoticeParam = None,
        network: str = "",
    ) -> Template:
        return page(
            "key.html",
            session,
            status_code=status_code,
            nav="keys",
            key=view,
            current_address=panel.address(request),
            error=error,
            notice=notice,
            network=network,
        )

    def _active_key(self, panel: PanelDep, session: SignedIn, api_key: KeyParam) -> overview.KeyView:
        view = overview.owned_key(panel.credentials, session.user.reseller, api_key)
        if view.info.revoked:
            raise ApiProblem(KEY_REVOKED)
        return view

    @post("/keys/{api_key:str}/rotate", sync_to_thread=True)
    def rotate_key(
        self,
        request: Request[Any, Any, Any],
        panel: PanelDep,
        session: SignedIn,
        api_key: KeyParam,
        data: Form,
    ) -> Template:
        _checked(session, data)
        self._active_key(panel, session, api_key)
        created = panel.credentials.rotate_key(api_key)
        _audit(panel, session.user, panel.address(request), "rotate API key secret", api_key)
        return page("secret.html", session, nav="keys", created=created, rotated=True)

    @get("/keys/{api_key:str}/revoke", sync_to_thread=False)
    def revoke_form(self, panel: PanelDep, session: SignedIn, api_key: KeyParam) -> Template:
        view = self._active_key(panel, session, api_key)
        return page("revoke.html", session, nav="keys", key=view)

    @post("/keys/{api_key:str}/revoke", sync_to_thread=True)
    def revoke_key(
        self,
        request: Request[Any, Any, Any],
        panel: PanelDep,
        session: SignedIn,
        api_key: KeyParam,
        data: Form,
    ) -> Redirect:
        _checked(session, data)
        self._active_key(panel, session, api_key)
        panel.credentials.revoke_key(api_key)
        _audit(panel, session.user, panel.address(request), "revoke API key", api_key)
        return redirect("/keys?notice=revoked")

    @post("/keys/{api_key:str}/networks", sync_to_thread=True)
    def allow_network(
        self,
        request: Request[Any, Any, Any],
        panel: PanelDep,
        session: SignedIn,
        api_key: KeyParam,
        data: Form,
    ) -> Template | Redirect:
        _checked(session, data)
        view = self._active_key(panel, session, api_key)
        network = _text(data, "network").strip()
        try:
            cidr = parse_network(network)
        except ApiProblem as problem:
            return self._key_page(
                request, panel, session, view, status_code=400, error=problem.text, network=network
            )
        panel.credentials.allow_ip(api_key, cidr)
        _audit(panel, session.user, panel.address(request), "whitelist address", f"{cidr} for {api_key}")
        return redirect(f"/keys/{api_key}?notice=allowed")

    @post("/keys/{api_key:str}/networks/remove", sync_to_thread=True)
    def deny_network(
        self,
        request: Request[Any, Any, Any],
        panel: PanelDep,
        session: SignedIn,
        api_key: KeyParam,
        data: Form,
    ) -> Redirect:
        _checked(session, data)
        view = self._active_key(panel, session, api_key)
        cidr = parse_network(_text(data, "network"))
        if cidr not in view.info.networks:
            raise ApiProblem(NETWORK_NOT_WHITELISTED, f"{cidr} is not whitelisted for this key.")
        panel.credentials.deny_ip(api_key, cidr)
        _audit(
            panel, session.user, panel.address(request), "remove whitelisted address", f"{cidr} for {api_key}"
        )
        return redirect(f"/keys/{api_key}?notice=denied")

    # -- audit log -----------------------------------------------------------------------

    @get("/audit", sync_to_thread=False)
    def audit_log(
        self,
        panel: PanelDep,
        session: SignedIn,
        page_number: Annotated[int, QueryParameter(name="page", ge=1)] = 1,
    ) -> Template:
        found, total = audit.entries(
            panel.context.database,
            reseller_id=session.user.reseller_id,
            skip=(page_number - 1) * AUDIT_PAGE,
            take=AUDIT_PAGE,
        )
        pages = max(1, -(-total // AUDIT_PAGE))
        return page(
            "audit.html",
            session,
            nav="audit",
            entries=found,
            total=total,
            page_number=page_number,
            pages=pages,
        )
