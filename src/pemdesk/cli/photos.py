"""Photo commands: ``pemdesk import photos`` and ``pemdesk photos geotag|list|usage|previews``."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, timedelta, timezone, tzinfo
from typing import Any

from pemdesk.cli.common import CommandContext, print_json, print_table
from pemdesk.errors import InvalidInput
from pemdesk.i18n import _, format_datetime, format_number


def register(sub: argparse._SubParsersAction, groups: dict[str, Any]) -> None:
    p = groups["import"].add_parser(
        "photos", help=_("import photos from files, folders or a camera card")
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--visit", metavar="ID", help=_("put every photo into this draft visit"))
    p.add_argument(
        "--no-assign",
        action="store_true",
        help=_("do not match photos to visits by time and place"),
    )
    p.add_argument(
        "--camera-tz", metavar="ZONE", help=_("time zone of cameras that record none, e.g. +08:00")
    )
    p.add_argument(
        "--track", metavar="GPX", help=_("place photos without GPS on this track by time")
    )
    p.add_argument(
        "--clock-offset",
        metavar="SECONDS",
        help=_("add to the camera's time to match the track (e.g. -90 or +00:05:00)"),
    )
    p.add_argument(
        "--gps-photo",
        nargs=2,
        metavar=("PHOTO", "HH:MM:SS"),
        help=_("work the clock offset out from a photo of a GPS screen and the time it shows"),
    )
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_import_photos)

    photos = sub.add_parser("photos", help=_("imported photos")).add_subparsers(
        dest="subcommand", metavar="ACTION", required=True
    )
    p = photos.add_parser("list", help=_("list photos"))
    p.add_argument("--visit", metavar="ID")
    p.add_argument("--unassigned", action="store_true", help=_("only photos in no visit"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_list)
    p = photos.add_parser("geotag", help=_("place photos on a GPX track by time"))
    p.add_argument("--track", metavar="GPX", required=True)
    p.add_argument("--visit", metavar="ID", help=_("the photos of this visit (default: all)"))
    p.add_argument("--clock-offset", metavar="SECONDS", default="0")
    p.add_argument(
        "--overwrite", action="store_true", help=_("also move photos that have a position")
    )
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_geotag)
    p = photos.add_parser("assign", help=_("put photos into a draft visit, or take them out"))
    p.add_argument("photo_ids", nargs="*", metavar="PHOTO_ID")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--visit", metavar="ID", help=_("the draft visit to put them into"))
    group.add_argument("--none", action="store_true", help=_("take them out of their visit"))
    group.add_argument(
        "--auto", action="store_true", help=_("match unassigned photos to visits by time and place")
    )
    p.set_defaults(handler=cmd_assign)
    p = photos.add_parser("purge", help=_("delete photo files that no record refers to any more"))
    p.set_defaults(handler=cmd_purge)
    p = photos.add_parser("usage", help=_("disk space used by photos"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_usage)
    p = photos.add_parser("previews", help=_("make missing previews now"))
    p.set_defaults(handler=cmd_previews)


def parse_offset(text: str | None) -> timedelta:
    """Seconds (``-90``, ``12.5``) or ``[+-]HH:MM[:SS]``."""
    if not text:
        return timedelta(0)
    text = text.strip()
    m = re.fullmatch(r"([+-]?)(\d{1,3}):(\d\d)(?::(\d\d))?", text)
    try:
        if m:
            sign = -1 if m.group(1) == "-" else 1
            h, mi, se = int(m.group(2)), int(m.group(3)), int(m.group(4) or 0)
            return sign * timedelta(hours=h, minutes=mi, seconds=se)
        return timedelta(seconds=float(text))
    except (ValueError, OverflowError) as exc:
        raise _bad_offset(text) from exc
    raise _bad_offset(text)


def _bad_offset(text: str) -> InvalidInput:
    return InvalidInput(
        f"Цагийн зөрүүг секундээр (-90) эсвэл ±ЦЦ:ММ:СС хэлбэрээр бичнэ үү: {text}",
        f"Give the clock offset in seconds (-90) or as ±HH:MM:SS: {text}",
    )


def parse_tz(text: str | None) -> tzinfo | None:
    """``+08:00``, ``UTC``, or an IANA zone name such as ``Asia/Ulaanbaatar``."""
    if not text:
        return None
    if text.upper() in ("UTC", "Z"):
        return UTC
    m = re.fullmatch(r"(?:UTC)?([+-])(\d{1,2})(?::?(\d\d))?", text.strip(), re.IGNORECASE)
    if m:
        delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0))
        return timezone(-delta if m.group(1) == "-" else delta)
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(text)
    except (KeyError, ValueError, OSError) as exc:
        raise InvalidInput(
            f"Цагийн бүс танигдсангүй: {text} (жишээ: +08:00)",
            f"Unknown time zone: {text} (e.g. +08:00)",
        ) from exc


def cmd_import_photos(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.photos import ImportOptions, import_photos
    from pemdesk.photos.geotag import Track
    from pemdesk.progress import Progress

    options = ImportOptions(
        visit_id=args.visit,
        auto_assign=not args.no_assign,
        camera_tz=parse_tz(args.camera_tz),
        track=Track.from_gpx(args.track) if args.track else None,
        clock_offset=parse_offset(args.clock_offset),
    )
    if args.gps_photo:
        from pemdesk.photos.geotag import offset_from_screen_photo

        options.clock_offset = offset_from_screen_photo(*args.gps_photo)
    progress = Progress()
    summary = import_photos(ctx.store, args.paths, options, progress)
    if args.json:
        print_json(summary.as_json(ctx.lang))
    else:
        rows = []
        for f in summary.files:
            status = {"imported": _("imported"), "duplicate": _("duplicate"), "error": _("error")}[
                f.status
            ]
            rows.append([status, f.path, f.message(ctx.lang)])
        print_table(rows, [_("Result"), _("File"), _("Message")])
        print(
            _("{imported} imported, {duplicates} already there, {errors} not imported.").format(
                imported=summary.imported,
                duplicates=summary.count("duplicate"),
                errors=summary.count("error"),
            )
        )
    if not summary.files:
        print(_("No photos were found there."), file=sys.stderr)
        return 1
    return 0 if summary.imported or summary.count("duplicate") else 1


def cmd_list(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.storage import photos as q

    photos = q.photos(ctx.store, visit_id=args.visit, unassigned=args.unassigned)
    if args.json:
        import dataclasses

        print_json([dataclasses.asdict(p) for p in photos])
        return 0
    rows = [
        [
            p.id,
            format_datetime(p.taken_at),
            "" if p.lat is None else f"{p.lat:.5f}, {p.lon:.5f}",
            "" if p.bearing is None else f"{p.bearing:.0f}°",
            p.original_name,
            p.sha256[:12],
        ]
        for p in photos
    ]
    print_table(rows, ["ID", _("Time"), _("Position"), _("Bearing"), _("File"), "SHA-256"])
    return 0


def cmd_geotag(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.photos.library import geotag
    from pemdesk.storage import photos as q

    ids = [p.id for p in q.photos(ctx.store, visit_id=args.visit)]
    result = geotag(
        ctx.store, ids, args.track, parse_offset(args.clock_offset), overwrite=args.overwrite
    )
    if args.json:
        print_json(
            {
                "placed": result.placed,
                "not_on_track": result.not_on_track,
                "already_placed": result.already_placed,
            }
        )
    else:
        print(
            _(
                "{placed} photos placed on the track, {off} outside it, {kept} already had a position."
            ).format(placed=result.placed, off=result.not_on_track, kept=result.already_placed)
        )
    return 0


def cmd_usage(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.photos.library import disk_usage

    u = disk_usage(ctx.store)
    if args.json:
        print_json(
            {
                "originals": u.originals,
                "originals_bytes": u.originals_bytes,
                "derived": u.derived,
                "derived_bytes": u.derived_bytes,
                "total_bytes": u.total_bytes,
            }  # fmt: skip
        )
    else:
        print(
            _("Photos: {n} originals, {mb} MB; thumbnails and previews {dmb} MB.").format(
                n=u.originals,
                mb=format_number(u.originals_bytes / 1e6, 1),
                dmb=format_number(u.derived_bytes / 1e6, 1),
            )
        )
    return 0


def cmd_previews(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.photos.library import make_missing_previews

    made = make_missing_previews(ctx.store)
    print(_("{n} previews made.").format(n=made))
    return 0


def cmd_assign(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.photos.library import assign_by_time, assign_to_visit
    from pemdesk.storage import photos as q

    if args.auto:
        ids = args.photo_ids or [p.id for p in q.photos(ctx.store, unassigned=True)]
        n = len(assign_by_time(ctx.store, ids))
    else:
        n = assign_to_visit(ctx.store, args.photo_ids, None if args.none else args.visit)
    print(_("{n} photos changed.").format(n=n))
    return 0


def cmd_purge(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.photos.library import purge_unreferenced

    print(_("{n} photo files removed.").format(n=purge_unreferenced(ctx.store)))
    return 0
