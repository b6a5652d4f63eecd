"""``resellerctl webhooks ...``: endpoints that receive signed events, and their delivery logs."""

from __future__ import annotations

from reseller_api.client.cli.commands import Subparsers, command, group, limited, listing_options
from reseller_api.client.cli.context import Context

W = "resellerctl webhooks"
ON_OFF = {"on": True, "off": False}


ORDER = 120  # its place in `resellerctl --help`: the command modules are listed by it


def register(sub: Subparsers) -> None:
    hooks = group(
        sub,
        "webhooks",
        "webhook endpoints: signed events of jobs and changes (not part of the vendor's API)",
        [f"{W} create https://hooks.example.com/reseller --event '*'", f"{W} deliveries 1"],
    )
    listing = command(hooks, "list", list_webhooks, "list your webhook endpoints", [f"{W} list"])
    listing_options(listing)
    create = command(
        hooks,
        "create",
        create_webhook,
        "register an endpoint; prints its signing secret, this once",
        [
            f"{W} create https://hooks.example.com/reseller --event account.created "
            "--event provisioningjob.failed"
        ],
    )
    create.add_argument("url")
    create.add_argument(
        "--event", dest="events", action="append", required=True, help="an event type, or '*'"
    )
    create.add_argument("--description", default="")
    create.add_argument("--disabled", action="store_true", help="register it switched off")
    show = command(hooks, "show", show_webhook, "show an endpoint", [f"{W} show 1"])
    show.add_argument("webhook_id", type=int)
    update = command(
        hooks,
        "update",
        update_webhook,
        "change an endpoint's url, events or description",
        [f"{W} update 1 --enabled on"],
    )
    update.add_argument("webhook_id", type=int)
    update.add_argument("--url")
    update.add_argument("--event", dest="events", action="append", help="replaces the event types")
    update.add_argument("--description")
    update.add_argument("--enabled", choices=list(ON_OFF), help="on re-enables a disabled endpoint")
    for name, handler, text in (
        ("delete", delete_webhook, "remove an endpoint"),
        ("test", test_webhook, "send it a webhook.test event"),
    ):
        command(hooks, name, handler, text, [f"{W} {name} 1"]).add_argument("webhook_id", type=int)
    command(
        hooks,
        "rotate-secret",
        rotate_secret,
        "give an endpoint a new signing secret; prints it, this once (the old one stops at once)",
        [f"{W} rotate-secret 1"],
    ).add_argument("webhook_id", type=int)
    log = command(
        hooks,
        "deliveries",
        list_deliveries,
        "an endpoint's delivery log, newest first",
        [f"{W} deliveries 1"],
    )
    log.add_argument("webhook_id", type=int)
    log.add_argument("--take", type=int, default=25, help="how many (default 25)")
    again = command(hooks, "redeliver", redeliver, "send a delivery's event again", [f"{W} redeliver 1 42"])
    again.add_argument("webhook_id", type=int)
    again.add_argument("delivery_id", type=int)


def list_webhooks(ctx: Context) -> None:
    items = ctx.client.webhooks.iter_all(page_size=ctx.args.page_size)
    ctx.out.many(limited(items, ctx.args.limit), "webhooks", noun="webhooks")


def create_webhook(ctx: Context) -> None:
    a = ctx.args
    created = ctx.client.webhooks.create(a.url, a.events, description=a.description, enabled=not a.disabled)
    ctx.out.one(created, "webhook (keep the secret: it is shown this once)")


def show_webhook(ctx: Context) -> None:
    ctx.out.one(ctx.client.webhooks.get(ctx.args.webhook_id), "webhook")


def update_webhook(ctx: Context) -> None:
    a = ctx.args
    enabled = None if a.enabled is None else ON_OFF[a.enabled]
    changed = ctx.client.webhooks.update(
        a.webhook_id, url=a.url, events=a.events, description=a.description, enabled=enabled
    )
    ctx.out.one(changed, "webhook")


def rotate_secret(ctx: Context) -> None:
    rotated = ctx.client.webhooks.rotate_secret(ctx.args.webhook_id)
    ctx.out.one(rotated, "webhook (keep the new secret: it is shown this once)")


def delete_webhook(ctx: Context) -> None:
    ctx.client.webhooks.delete(ctx.args.webhook_id)
    ctx.out.done(f"webhook {ctx.args.webhook_id} deleted")


def test_webhook(ctx: Context) -> None:
    delivery_id = ctx.client.webhooks.test(ctx.args.webhook_id)
    ctx.out.done(f"test event queued: delivery {delivery_id}", delivery_id=delivery_id)


def list_deliveries(ctx: Context) -> None:
    items = ctx.client.webhooks.deliveries(ctx.args.webhook_id, take=ctx.args.take)
    ctx.out.many(items, "deliveries", noun="deliveries")


def redeliver(ctx: Context) -> None:
    delivery_id = ctx.client.webhooks.redeliver(ctx.args.webhook_id, ctx.args.delivery_id)
    ctx.out.done(f"event queued again: delivery {delivery_id}", delivery_id=delivery_id)
