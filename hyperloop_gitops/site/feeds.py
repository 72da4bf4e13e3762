"""Per-user Atom feeds of notifications (``feeds/<login>.atom``, RFC 4287)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from hyperloop_gitops.site.pages import user_logins
from hyperloop_gitops.site.views import NotificationView

if TYPE_CHECKING:
    from hyperloop_gitops.site.builder import Writer

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _stamp(time: dt.datetime) -> str:
    return time.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _content(note: NotificationView) -> str:
    return f"{note.text} (analyses {', '.join(note.analyses)}; changed by {note.author})"


def build_all(writer: Writer) -> None:
    """One feed per user; ``updated`` is the newest notification (else the data's "now")."""
    data = writer.data
    for login in user_logins(data):
        mine = data.notifications_of(login)
        updated = mine[0].time if mine else (data.now or _EPOCH)
        lines = [
            '<?xml version="1.0" encoding="utf-8"?>',
            '<feed xmlns="http://www.w3.org/2005/Atom">',
            f"  <id>urn:hyperloop-gitops:notifications:{escape(login)}</id>",
            f"  <title>Hyperloop notifications for {escape(login)}</title>",
            f"  <updated>{_stamp(updated)}</updated>",
            "  <author><name>hyperloop</name></author>",
            '  <link rel="alternate" type="text/html" '
            f"href={quoteattr(f'../users/{login}.html')}/>",
        ]
        for note in mine:
            lines += [
                "  <entry>",
                f"    <id>urn:hyperloop-gitops:notification:{escape(note.id)}</id>",
                f"    <title>{escape(note.text)}</title>",
                f"    <updated>{_stamp(note.time)}</updated>",
                f"    <category term={quoteattr(note.kind)}/>",
                f'    <content type="text">{escape(_content(note))}</content>',
            ]
            if note.link:
                lines.append(f'    <link rel="alternate" href={quoteattr("../" + note.link)}/>')
            lines.append("  </entry>")
        lines.append("</feed>")
        writer.write_text(f"feeds/{login}.atom", "\n".join(lines) + "\n")
