"""``/controlpanel``: server-rendered pages for resellers; every form works without JavaScript.

Every form carries a CSRF token and a one-time form token; every change is recorded in the
audit log with the user, the change and the caller's address. Every POST answers with a
redirect (303) to a page, so a reload never sends a form again; a form sent twice (the back
button) answers "already done". A new secret is shown once, by the page the create or rotate
redirects to (see ``forms``), and only there.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter, QueryParameter
from litestar.response import Redirect, Template

from reseller_api.context import AppContext
from reseller_api.controlpanel import audit, forms, overview, sessions, users
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
    safe_next,
)
from reseller_api.conventions.paging import Page
from reseller_api.credentials.service import parse_network, stored_network
from reseller_api.errors import ApiProblem, ValidationFailed, define
from reseller_api.resources.webhooks import service as webhooks
from reseller_api.wire.webhooks import CreateWebhook, UpdateWebhook

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
KeyParam = Annotated[str, Parameter(description="The API key.")]
NoticeParam = Annotated[str | None, Parameter(description="Which confirmation to show.")]
TokenParam = Annotated[str, Parameter(description="The one-time set-password token.")]
TextQuery = Annotated[str, Parameter(description="A filter of the audit log.")]
WebhookParam = Annotated[int, Parameter(description="The webhook endpoint's id.")]
WEBHOOK_LOG = 50
AUDIT_PAGE = 50
AUDIT_CSV_LIMIT = 100_000

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
    "renamed": "The key's name and note are saved.",
    "signedout": "You are signed out.",
    "redelivered": "The event is queued to be sent again.",
    "webhook-saved": "The endpoint is saved.",
    "webhook-enabled": "The endpoint is enabled again: new events are delivered to it.",
    "webhook-tested": "A webhook.test event is queued for this endpoint: see it in the deliveries below.",
    "webhook-deleted": "The endpoint is deleted: nothing more is sent to it.",
    "expired": "Your session has ended. Sign in again to go on where you were.",
    "resend": "Your session had ended, so the form you sent was not acted on. You are signed in "
    "again: send it once more.",
}


def _text(form: dict[str, Any], name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _checked(session: SignedIn, form: dict[str, Any]) -> dict[str, Any]:
    if not sessions.csrf_matches(session.csrf_token, form):
        raise CsrfRefused
    return form


def _texts(form: dict[str, Any], name: str) -> list[str]:
    """Every value of a field sent several times (checkboxes of one name)."""
    value = form.get(name)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _refusal(problem: ApiProblem | ValidationFailed) -> str:
    if isinstance(problem, ApiProblem):
        return problem.text
    return " ".join(p.error_text for p in problem.problems)


def _webhook_event_choices(context: AppContext) -> list[str]:
    """The event types offered as checkboxes, grouped by what they are about (jobs first)."""
    return sorted(context.webhook_events, key=lambda e: (not e.startswith("provisioningjob"), e))


def _webhook_fields(form: dict[str, Any]) -> dict[str, Any]:
    """What a webhook form sent, as the API's body would carry it; the service checks it all."""
    chosen = _texts(form, "events")
    return {
        "url": _text(form, "url").strip(),
        "events": ["*"] if "*" in chosen else chosen,
        "description": _text(form, "description").strip(),
        "enabled": _text(form, "enabled") == "yes",
    }


def _notice(notice: str | None) -> str | None:
    return NOTICES.get(notice or "")


def _once(panel: Panel, session: SignedIn, data: dict[str, Any]) -> AbstractContextManager[forms.Claim]:
    """CSRF first, then the one-time form token (``forms.AlreadyDone`` if it was used)."""
    _checked(session, data)
    return forms.once(panel.context.database, session, data)


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
        self,
        request: Request[Any, Any, Any],
        panel: PanelDep,
        notice: NoticeParam = None,
        next_page: Annotated[str | None, QueryParameter(name="next")] = None,
    ) -> Template | Redirect:
        if sessions.load(panel.context.database, request.cookies.get(sessions.SESSION_COOKIE)):
            return redirect(safe_next(next_page) or "/")
        return self._signin_page(request, panel, notice=_notice(notice), next_page=safe_next(next_page))

    def _signin_page(
        self,
        request: Request[Any, Any, Any],
        panel: PanelDep,
        *,
        status_code: int = 200,
        error: str | None = None,
        email: str = "",
        notice: NoticeParam = None,
        next_page: str = "",
    ) -> Template:
        csrf = request.cookies.get(sessions.CSRF_COOKIE) or sessions.new_csrf_value()
        response = page(
            "signin.html",
            status_code=status_code,
            csrf_token=csrf,
            error=error,
            email=email,
            notice=notice,
            next_page=next_page,
        )
        response.cookies.append(sessions.csrf_cookie(csrf, panel.is_https(request)))
        return response

    @post("/signin", sync_to_thread=True)
    def signin(self, request: Request[Any, Any, Any], panel: PanelDep, data: Form) -> Template | Redirect:
        if not sessions.csrf_matches(request.cookies.get(sessions.CSRF_COOKIE), data):
            raise CsrfRefused
        email, password = _text(data, "email").strip(), _text(data, "password")
        next_page = safe_next(_text(data, "next"))
        address = panel.address(request)
        wait = panel.throttle.wait_seconds(email, address)
        if wait is not None:
            minutes = max(1, round(wait / 60))
            text = f"{SIGNIN_LOCKED.text} (about {minutes} minute{'s' if minutes > 1 else ''})"
            return self._signin_page(
                request, panel, status_code=429, error=text, email=email, next_page=next_page
            )
        user = users.authenticate(panel.context.database, email, password)
        if user is None:
            panel.throttle.failed(email, address)
            # Recorded for the reseller whose user was tried (operators see unknown addresses too).
            audit.record(
                panel.context.database,
                reseller_id=users.reseller_of(panel.context.database, email),
                actor_kind=audit.USER,
                actor=email.lower() or "(no e-mail address)",
                action="sign in failed",
                detail="wrong e-mail address or password",
                address=address,
            )
            return self._signin_page(
                request, panel, status_code=400, error=SIGNIN_FAILED.text, email=email, next_page=next_page
            )
        panel.throttle.succeeded(email)
        # A new session id at every sign-in: a token planted before it is worth nothing.
        token, _ = sessions.start(panel.context.database, user, request.cookies.get(sessions.SESSION_COOKIE))
        _audit(panel, user, address, "sign in")
        response = redirect(next_page or "/")
        response.cookies.append(sessions.session_cookie(token, panel.is_https(request)))
        return response

    @post("/signout", sync_to_thread=True)
    def signout(
        self, request: Request[Any, Any, Any], panel: PanelDep, session: SignedIn, data: Form
    ) -> Redirect:
        _checked(session, data)  # signing out twice does no harm: no form token needed
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
        with _once(panel, session, data) as claim:
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
                claim.release()
                return self._password_page(session, problem.text)
            _audit(panel, session.user, panel.address(request), "change password")
            claim.done("/password")
        return redirect("/password?notice=password")

    def _password_page(self, session: SignedIn, error: str) -> Template:
        return page(
            "password.html",
            session,
            status_code=400,
            nav="password",
            min_length=users.MIN_PASSWORD,
            error=error,
        )

    # -- overview and accounts ----------------------------------------------------------

    @get("/", sync_to_thread=False)
    def home(self, panel: PanelDep, session: SignedIn) -> Template:
        database, reseller = panel.context.database, session.user.reseller_id
        return page(
            "overview.html",
            session,
            nav="overview",
            keys=overview.keys(panel, session.user.reseller),
            accounts=overview.account_views(database, reseller, limit=10),
            jobs=overview.latest_jobs(database, reseller),
            certificates=overview.certificates(database, reseller),
        )

    @get("/accounts", sync_to_thread=False)
    def accounts(self, panel: PanelDep, session: SignedIn) -> Template:
        found = overview.account_views(panel.context.database, session.user.reseller_id, limit=1000)
        return page("accounts.html", session, nav="accounts", accounts=found)

    @get("/accounts/{account_id:int}", sync_to_thread=False)
    def account(
        self,
        panel: PanelDep,
        session: SignedIn,
        account_id: Annotated[int, Parameter(description="The account's id.")],
    ) -> Template:
        shown = overview.account_page(panel.context.database, session.user.reseller_id, account_id)
        return page("account.html", session, nav="accounts", shown=shown)

    # -- webhooks (our extension: docs/extensions.md) --------------------------------------
    #
    # Every change goes through the service the API's /v2/webhooks uses, with the same
    # bodies (CreateWebhook, UpdateWebhook): the URL, SSRF and event rules cannot differ.

    @get("/webhooks", sync_to_thread=True)
    def webhooks(self, panel: PanelDep, session: SignedIn, notice: NoticeParam = None) -> Template:
        return self._webhooks_page(panel, session, notice=_notice(notice))

    def _webhooks_page(
        self,
        panel: PanelDep,
        session: SignedIn,
        *,
        status_code: int = 200,
        error: str | None = None,
        notice: str | None = None,
        fields: dict[str, Any] | None = None,
    ) -> Template:
        found, _ = webhooks.list_webhooks(panel.context, session.user.reseller_id, Page(0, 100))
        return page(
            "webhooks.html",
            session,
            status_code=status_code,
            nav="webhooks",
            webhooks=found,
            choices=_webhook_event_choices(panel.context),
            form=fields or {"url": "", "events": ["*"], "description": "", "enabled": True},
            limit=webhooks.MAX_ENDPOINTS,
            error=error,
            notice=notice,
        )

    @post("/webhooks", sync_to_thread=True)  # the url's host is resolved
    def create_webhook(
        self, request: Request[Any, Any, Any], panel: PanelDep, session: SignedIn, data: Form
    ) -> Template | Redirect:
        fields = _webhook_fields(data)
        with _once(panel, session, data) as claim:
            try:
                created = webhooks.create_webhook(
                    panel.context, session.user.reseller_id, CreateWebhook(**fields)
                )
            except (ApiProblem, ValidationFailed) as problem:
                claim.release()
                return self._webhooks_page(
                    panel, session, status_code=400, error=_refusal(problem), fields=fields
                )
            _audit(
                panel,
                session.user,
                panel.address(request),
                "create webhook endpoint",
                f"webhook {created.id}: {created.url}",
            )
            return self._show_webhook_secret_once(panel, session, claim, created.id, rotated=False)

    def _show_webhook_secret_once(
        self, panel: PanelDep, session: SignedIn, claim: forms.Claim, webhook_id: int, *, rotated: bool
    ) -> Redirect:
        forms.allow_webhook_secret_view(panel.context.database, session, webhook_id, rotated=rotated)
        claim.done(f"/webhooks/{webhook_id}")
        return redirect(f"/webhooks/{webhook_id}/secret")

    @get("/webhooks/{webhook_id:int}/secret", sync_to_thread=True)
    def webhook_secret(self, panel: PanelDep, session: SignedIn, webhook_id: WebhookParam) -> Template:
        reseller = session.user.reseller_id
        hook = webhooks.get_webhook(panel.context, reseller, webhook_id)
        taken = forms.take_webhook_secret_view(panel.context.database, session, reseller, webhook_id)
        if taken is None:
            return page(
                "message.html",
                session,
                status_code=410,
                nav="webhooks",
                title="Shown once",
                text="This signing secret was shown once and cannot be shown again: we keep it encrypted. "
                "If you did not save it, rotate the endpoint's secret; the old one then stops working.",
                back=f"/webhooks/{webhook_id}",
            )
        encrypted, rotated = taken
        return page(
            "webhook_secret.html",
            session,
            nav="webhooks",
            hook=hook,
            secret=panel.context.box.decrypt(encrypted),
            rotated=rotated,
        )

    @get("/webhooks/{webhook_id:int}", sync_to_thread=True)
    def webhook(
        self, panel: PanelDep, session: SignedIn, webhook_id: WebhookParam, notice: NoticeParam = None
    ) -> Template:
        return self._webhook_page(panel, session, webhook_id, notice=_notice(notice))

    def _webhook_page(
        self,
        panel: PanelDep,
        session: SignedIn,
        webhook_id: int,
        *,
        status_code: int = 200,
        error: str | None = None,
        notice: str | None = None,
        fields: dict[str, Any] | None = None,
    ) -> Template:
        reseller = session.user.reseller_id
        hook = webhooks.get_webhook(panel.context, reseller, webhook_id)
        log, _ = webhooks.list_deliveries(panel.context, reseller, webhook_id, Page(0, WEBHOOK_LOG))
        shown = fields or {
            "url": hook.url,
            "events": hook.events,
            "description": hook.description,
            "enabled": hook.enabled,
        }
        return page(
            "webhook.html",
            session,
            status_code=status_code,
            nav="webhooks",
            hook=hook,
            deliveries=log,
            choices=_webhook_event_choices(panel.context),
            form=shown,
            error=error,
            notice=notice,
        )

    @post("/webhooks/{webhook_id:int}", sync_to_thread=True)
    def update_webhook(
        self,
        request: Request[Any, Any, Any],
        panel: PanelDep,
        session: SignedIn,
        webhook_id: WebhookParam,
        data: Form,
    ) -> Template | Redirect:
        fields = _webhook_fields(data)
        with _once(panel, session, data) as claim:
            reseller = session.user.reseller_id
            before = webhooks.get_webhook(panel.context, reseller, webhook_id)
            try:
                after = webhooks.update_webhook(panel.context, reseller, webhook_id, UpdateWebhook(**fields))
            except (ApiProblem, ValidationFailed) as problem:
                claim.release()
                return self._webhook_page(
                    panel, session, webhook_id, status_code=400, error=_refusal(problem), fields=fields
                )
            changed = [
                name
                for name in ("url", "events", "description", "enabled")
                if getattr(before, name) != getattr(after, name)
            ]
            if changed:
                _audit(
                    panel,
                    session.user,
                    panel.address(request),
                    "change webhook endpoint",
                    f"webhook {webhook_id}: {', '.join(changed)}",
                )
            claim.done(f"/webhooks/{webhook_id}")
        return redirect(f"/webhooks/{webhook_id}?notice=webhook-saved")

    @post("/webhooks/{webhook_id:int}/enable", sync_to_thread=True)
    def enable_webhook(
        self,
        request: Request[Any, Any, Any],
        panel: PanelDep,
        session: SignedIn,
        webhook_id: WebhookParam,
        data: Form,
    ) -> Redirect:
        with _once(panel, session, data) as claim:
            webhooks.update_webhook(
                panel.context, session.user.reseller_id, webhook_id, UpdateWebhook(enabled=True)
            )
            detail = f"webhook {webhook_id}"
            _audit(panel, session.user, panel.address(request), "enable webhook endpoint", detail)
            claim.done(f"/webhooks/{webhook_id}")
        return redirect(f"/webhooks/{webhook_id}?notice=webhook-enabled")

    @post("/webhooks/{webhook_id:int}/test", sync_to_thread=True)
    def test_webhook(
        self,
        request: Request[Any, Any, Any],
        panel: PanelDep,
        session: SignedIn,
        webhook_id: WebhookParam,
        data: Form,
    ) -> Redirect:
        with _once(panel, session, data) as claim:
            delivery = webhooks.send_test(panel.context, session.user.reseller_id, webhook_id)
            detail = f"webhook {webhook_id}, delivery {delivery}"
            _audit(panel, session.user, panel.address(request), "send webhook test event", detail)
            claim.done(f"/webhooks/{webhook_id}")
        return redirect(f"/webhooks/{webhook_id}?notice=webhook-tested")

    @post("/webhooks/{webhook_id:int}/rotate", sync_to_thread=True)
    def rotate_webhook_secret(
        self,
        request: Request[Any, Any, Any],
        panel: PanelDep,
        session: SignedIn,
        webhook_id: WebhookParam,
        data: Form,
    ) -> Redirect:
        with _once(panel, session, data) as claim:
            webhooks.rotate_secret(panel.context, session.user.reseller_id, webhook_id)
            detail = f"webhook {webhook_id}"
            _audit(panel, session.user, panel.address(request), "rotate webhook secret", detail)
            return self._show_webhook_secret_once(panel, session, claim, webhook_id, rotated=True)

    @get("/webhooks/{webhook_id:int}/delete", sync_to_thread=True)
    def delete_webhook_form(self, panel: PanelDep, session: SignedIn, webhook_id: WebhookParam) -> Template:
        hook = webhooks.get_webhook(panel.context, session.user.reseller_id, webhook_id)
        return page("webhook_delete.html", session, nav="webhooks", hook=hook)

    @post("/webhooks/{webhook_id:int}/delete", sync_to_thread=True)
    def delete_webhook(
        self,
        request: Request[Any, Any, Any],
        panel: PanelDep,
        session: SignedIn,
        webhook_id: WebhookParam,
        data: Form,
    ) -> Redirect:
        with _once(panel, session, data) as claim:
            reseller = session.user.reseller_id
            hook = webhooks.get_webhook(panel.context, reseller, webhook_id)
            webhooks.delete_webhook(panel.context, reseller, webhook_id)
            detail = f"webhook {webhook_id}: {hook.url}"
            _audit(panel, session.user, panel.address(request), "delete webhook endpoint", detail)
            claim.done("/webhooks")
        return redirect("/webhooks?notice=webhook-deleted")

    @post("/webhooks/{webhook_id:int}/deliveries/{delivery_id:int}/redeliver", sync_to_thread=True)
    def redeliver(
        self,
        request: Request[Any, Any, Any],
        panel: PanelDep,
        session: SignedIn,
        webhook_id: WebhookParam,
        delivery_id: Annotated[int, Parameter(description="The delivery to send again.")],
        data: Form,
    ) -> Redirect:
        with _once(panel, session, data) as claim:
            webhooks.redeliver(panel.context, session.user.reseller_id, webhook_id, delivery_id)
            detail = f"webhook {webhook_id}, delivery {delivery_id}"
            _audit(panel, session.user, panel.address(request), "redeliver webhook event", detail)
            claim.done(f"/webhooks/{webhook_id}")
        return redirect(f"/webhooks/{webhook_id}?notice=redelivered")

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
    ) -> Template | Redirect:
        address = panel.address(request)
        networks = [address] if _text(data, "allow_current") == "yes" and address != "unknown" else []
        with _once(panel, session, data) as claim:
            try:
                created = panel.credentials.create_key(
                    session.user.reseller, networks, name=_text(data, "name"), note=_text(data, "note")
                )
            except ApiProblem as problem:
                claim.release()
                keys = overview.keys(panel, session.user.reseller)
                return page("keys.html", session, status_code=400, nav="keys", keys=keys, error=problem.text)
            _audit(
                panel,
                session.user,
                address,
                "create API key",
                created.api_key + (f", whitelisted {networks[0]}" if networks else ""),
            )
            return self._show_secret_once(panel, session, claim, created.api_key, rotated=False)

    def _show_secret_once(
        self, panel: PanelDep, session: SignedIn, claim: forms.Claim, api_key: str, *, rotated: bool
    ) -> Redirect:
        forms.allow_secret_view(panel.context.database, session, api_key, rotated=rotated)
        claim.done(f"/keys/{api_key}")
        return redirect(f"/keys/{api_key}/secret")

    @get("/keys/{api_key:str}/secret", sync_to_thread=False)
    def secret(
        self, request: Request[Any, Any, Any], panel: PanelDep, session: SignedIn, api_key: KeyParam
    ) -> Template:
        view = overview.owned_key(panel.credentials, session.user.reseller, api_key)
        taken = forms.take_secret_view(panel.context.database, session, view.info.key_id)
        if taken is None:
            return page(
                "message.html",
                session,
                status_code=410,
                nav="keys",
                title="Shown once",
                text="This secret was shown once and cannot be shown again: we keep it encrypted. If you "
                "did not save it, rotate the key's secret; the old one then stops working.",
                back=f"/keys/{api_key}",
            )
        encrypted, rotated = taken
        return page(
            "secret.html",
            session,
            nav="keys",
            key=view,
            api_secret=panel.credentials.box.decrypt(encrypted),
            rotated=rotated,
            base_url=str(request.base_url).rstrip("/"),
        )

    @get("/keys/{api_key:str}", sync_to_thread=False)
    def key(
        self,
        request: Request[Any, Any, Any],
        panel: PanelDep,
        session: SignedIn,
        api_key: KeyParam,
        notice: NoticeParam = None,
        given: Annotated[str, Parameter(description="The network as typed.")] = "",
        stored: Annotated[str, Parameter(description="The network as stored.")] = "",
    ) -> Template:
        view = overview.owned_key(panel.credentials, session.user.reseller, api_key)
        text = _notice(notice)
        if notice == "hostbits" and given and stored:
            text = f"{given} has host bits set: the whitelist holds the network {stored}."
        return self._key_page(request, panel, session, view, notice=text)

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

    @post("/keys/{api_key:str}/name", sync_to_thread=True)
    def rename_key(
        self,
        request: Request[Any, Any, Any],
        panel: PanelDep,
        session: SignedIn,
        api_key: KeyParam,
        data: Form,
    ) -> Template | Redirect:
        with _once(panel, session, data) as claim:
            view = self._active_key(panel, session, api_key)
            try:
                name, _ = panel.credentials.rename_key(api_key, _text(data, "name"), _text(data, "note"))
            except ApiProblem as problem:
                claim.release()
                return self._key_page(request, panel, session, view, status_code=400, error=problem.text)
            if name != view.info.name:
                _audit(
                    panel, session.user, panel.address(request), "rename API key", f"{api_key} to {name!r}"
                )
            claim.done(f"/keys/{api_key}")
        return redirect(f"/keys/{api_key}?notice=renamed")

    @post("/keys/{api_key:str}/rotate", sync_to_thread=True)
    def rotate_key(
        self,
        request: Request[Any, Any, Any],
        panel: PanelDep,
        session: SignedIn,
        api_key: KeyParam,
        data: Form,
    ) -> Redirect:
        with _once(panel, session, data) as claim:
            self._active_key(panel, session, api_key)
            panel.credentials.rotate_key(api_key)
            _audit(panel, session.user, panel.address(request), "rotate API key secret", api_key)
            return self._show_secret_once(panel, session, claim, api_key, rotated=True)

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
        with _once(panel, session, data) as claim:
            self._active_key(panel, session, api_key)
            panel.credentials.revoke_key(api_key)
            _audit(panel, session.user, panel.address(request), "revoke API key", api_key)
            claim.done(f"/keys/{api_key}")
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
        network = _text(data, "network").strip()
        with _once(panel, session, data) as claim:
            view = self._active_key(panel, session, api_key)
            try:
                cidr, host_bits = stored_network(network)
            except ApiProblem as problem:
                claim.release()
                return self._key_page(
                    request, panel, session, view, status_code=400, error=problem.text, network=network
                )
            panel.credentials.allow_ip(api_key, cidr)
            _audit(panel, session.user, panel.address(request), "whitelist address", f"{cidr} for {api_key}")
            claim.done(f"/keys/{api_key}")
        if host_bits:
            query = urlencode({"notice": "hostbits", "given": network, "stored": cidr})
            return redirect(f"/keys/{api_key}?{query}")
        return redirect(f"/keys/{api_key}?notice=allowed")

    @post("/keys/{api_key:str}/networks/remove", sync_to_thread=True)
    def deny_network(
        self,
        request: Request[Any, Any, Any],
        panel: PanelDep,
        session: SignedIn,
        api_key: KeyParam,
        data: Form,
    ) -> Template | Redirect:
        with _once(panel, session, data) as claim:
            view = self._active_key(panel, session, api_key)
            cidr = parse_network(_text(data, "network"))
            if cidr not in view.info.networks:
                raise ApiProblem(NETWORK_NOT_WHITELISTED, f"{cidr} is not whitelisted for this key.")
            if view.info.networks == (cidr,) and _text(data, "confirm") != "yes":
                # The last address: without one the key cannot be used at all. Ask first.
                claim.release()
                return page("confirm_remove.html", session, nav="keys", key=view, network=cidr)
            panel.credentials.deny_ip(api_key, cidr)
            _audit(
                panel,
                session.user,
                panel.address(request),
                "remove whitelisted address",
                f"{cidr} for {api_key}",
            )
            claim.done(f"/keys/{api_key}")
        return redirect(f"/keys/{api_key}?notice=denied")

    # -- audit log -----------------------------------------------------------------------

    @get("/audit", sync_to_thread=False)
    def audit_log(
        self,
        panel: PanelDep,
        session: SignedIn,
        page_number: Annotated[int, QueryParameter(name="page", ge=1)] = 1,
        actor: TextQuery = "",
        key: TextQuery = "",
        action: TextQuery = "",
        since: Annotated[str, QueryParameter(name="from")] = "",
        until: Annotated[str, QueryParameter(name="to")] = "",
    ) -> Template:
        filters = audit.Filters.of(actor, key, action, since, until)
        found, total = audit.entries(
            panel.context.database,
            reseller_id=session.user.reseller_id,
            skip=(page_number - 1) * AUDIT_PAGE,
            take=AUDIT_PAGE,
            filters=filters,
        )
        pages = max(1, -(-total // AUDIT_PAGE))
        return page(
            "audit.html",
            session,
            status_code=400 if filters.problems else 200,
            nav="audit",
            entries=found,
            total=total,
            page_number=page_number,
            pages=pages,
            filters=filters,
            query=filters.query(),
            kinds=[(k, label) for k, (label, _) in audit.ACTION_KINDS.items()],
            keys=panel.credentials.list_keys(session.user.reseller),
            error=" ".join(filters.problems) or None,
        )

    @get("/audit.csv", sync_to_thread=False)
    def audit_csv(
        self,
        panel: PanelDep,
        session: SignedIn,
        actor: TextQuery = "",
        key: TextQuery = "",
        action: TextQuery = "",
        since: Annotated[str, QueryParameter(name="from")] = "",
        until: Annotated[str, QueryParameter(name="to")] = "",
    ) -> Response[str]:
        filters = audit.Filters.of(actor, key, action, since, until)
        found, _ = audit.entries(
            panel.context.database,
            reseller_id=session.user.reseller_id,
            take=AUDIT_CSV_LIMIT,
            filters=filters,
        )
        return Response(
            audit.as_csv(found),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
        )
