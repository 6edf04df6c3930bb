"""Workspaces: their installations (tokens, sealed by the caller), OAuth states, and what happens
to all of a workspace's subscriptions at once (paused when its token stops working, deleted when
the app is uninstalled)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, bindparam, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.store.engine import Database
from bot.store.tables import installations, oauth_states, subscriptions


def _delete_subscriptions(conn: Connection, where: ColumnElement[bool]) -> int:
    """Delete subscriptions (and, by cascade, their deliveries); how many."""
    return conn.execute(delete(subscriptions).where(where)).rowcount


class Teams(Database):
    """Installations, OAuth states, and a workspace's subscriptions as a whole."""

    def delete_team(self, team_id: str) -> int:
        """Delete every subscription (and delivery) of a workspace."""
        with self.write() as conn:
            return _delete_subscriptions(conn, subscriptions.c.team_id == team_id)

    def pause_team(self, team_id: str, reason: str, now: datetime) -> int:
        """Pause every subscription of a workspace (its token stopped working)."""
        c = subscriptions.c
        with self.write() as conn:
            result = conn.execute(
                update(subscriptions)
                .where(c.team_id == team_id, c.paused.is_(False))
                .values(paused=True, paused_reason=reason, next_wake_at=None, updated_at=now)
            )
            return result.rowcount

    # --- installations ----------------------------------------------------------------------

    def save_installation(
        self,
        key: str,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool,
        sealed: str,
        now: datetime,
    ) -> None:
        """Store a workspace's (or an org's) installation under ``key``; the latest wins."""
        values = {
            "enterprise_id": enterprise_id,
            "team_id": team_id,
            "is_enterprise_install": is_enterprise_install,
            "data": sealed,
            "installed_at": now,
        }
        with self.write() as conn:
            updated = conn.execute(
                update(installations).where(installations.c.workspace_key == key).values(**values)
            )
            if not updated.rowcount:
                conn.execute(insert(installations).values(workspace_key=key, **values))

    def installations(self, keys: Collection[str]) -> dict[str, str]:
        """The sealed installations stored under any of ``keys``, by key."""
        c = installations.c
        with self.reader.connect() as conn:
            rows = conn.execute(
                select(c.workspace_key, c.data).where(c.workspace_key.in_(list(keys)))
            ).all()
        return {r.workspace_key: r.data for r in rows}

    def reseal_installations(self, reseal: Callable[[str], str]) -> int:
        """Replace every stored installation with ``reseal`` of it, all or none (an exception
        from ``reseal`` changes nothing); how many."""
        c = installations.c
        with self.write() as conn:
            rows = conn.execute(select(c.id, c.data)).all()
            resealed = [{"b_id": r.id, "b_data": reseal(r.data)} for r in rows]
            if resealed:
                conn.execute(
                    update(installations)
                    .where(c.id == bindparam("b_id"))
                    .values(data=bindparam("b_data")),
                    resealed,
                )
            return len(rows)

    def forget_workspace(
        self, key: str, enterprise_id: str | None, team_id: str | None
    ) -> tuple[int, int]:
        """Delete a workspace's installation (stored under ``key``), or an org's and its
        workspaces', and its subscriptions and deliveries, in one transaction; (installations,
        subscriptions) deleted."""
        c = installations.c
        with self.write() as conn:
            conds = [c.workspace_key == key]
            if enterprise_id and not team_id:
                conds.append(c.enterprise_id == enterprise_id)
            gone = conn.execute(delete(installations).where(or_(*conds))).rowcount
            if not team_id and not enterprise_id:
                # names no workspace: "enterprise_id IS NULL" would match every subscription
                # outside an organisation
                return gone, 0
            subs = _delete_subscriptions(
                conn,
                subscriptions.c.team_id == team_id
                if team_id
                else subscriptions.c.enterprise_id == enterprise_id,
            )
        return gone, subs

    # --- OAuth states -----------------------------------------------------------------------

    def state_used(self, key: str) -> bool:
        """Whether the OAuth state ``key`` names has been used (see ``use_state``)."""
        with self.reader.connect() as conn:
            found = conn.execute(
                select(oauth_states.c.state).where(oauth_states.c.state == key)
            ).first()
        return found is not None

    def use_state(self, key: str, expires_at: datetime, now: datetime) -> bool:
        """Record the OAuth state ``key`` names as used until it expires at ``expires_at`` (and
        drop the records of states expired by ``now``); False if it was already recorded."""
        try:
            with self.write() as conn:
                conn.execute(delete(oauth_states).where(oauth_states.c.expires_at < now))
                conn.execute(insert(oauth_states).values(state=key, expires_at=expires_at))
        except IntegrityError:
            return False
        return True
