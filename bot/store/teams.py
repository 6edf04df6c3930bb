"""Workspaces: their installations (tokens, sealed by the caller), OAuth states, and what happens
to all of a workspace's subscriptions at once (paused when its token stops working, deleted when
the app is uninstalled)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.orm import Session

from bot.models import InstallationRow, OAuthState, Subscription
from bot.store.engine import Database


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _delete_subscriptions(s: Session, where: ColumnElement[bool]) -> int:
    """Delete subscriptions (and, by cascade, their deliveries); how many."""
    return _rowcount(s.execute(delete(Subscription).where(where)))


class Teams(Database):
    """Installations, OAuth states, and a workspace's subscriptions as a whole."""

    def delete_team(self, team_id: str) -> int:
        """Delete every subscription (and delivery) of a workspace."""
        with self.sessions.begin() as s:
            return _delete_subscriptions(s, Subscription.team_id == team_id)

    def pause_team(self, team_id: str, reason: str, now: datetime) -> int:
        """Pause every subscription of a workspace (its token stopped working)."""
        with self.sessions.begin() as s:
            result = s.execute(
                update(Subscription)
                .where(Subscription.team_id == team_id, Subscription.paused.is_(False))
                .values(paused=True, paused_reason=reason, next_wake_at=None, updated_at=now)
            )
            return _rowcount(result)

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
        with self.sessions.begin() as s:
            row = s.scalars(
                select(InstallationRow).where(InstallationRow.workspace_key == key)
            ).one_or_none()
            if row is None:
                row = InstallationRow(workspace_key=key)
                s.add(row)
            row.enterprise_id = enterprise_id
            row.team_id = team_id
            row.is_enterprise_install = is_enterprise_install
            row.data = sealed
            row.installed_at = now

    def installations(self, keys: Collection[str]) -> dict[str, str]:
        """The sealed installations stored under any of ``keys``, by key."""
        with self.reads() as s:
            rows = s.scalars(
                select(InstallationRow).where(InstallationRow.workspace_key.in_(list(keys)))
            ).all()
            return {r.workspace_key: r.data for r in rows}

    def reseal_installations(self, reseal: Callable[[str], str]) -> int:
        """Replace every stored installation with ``reseal`` of it, all or none (an exception
        from ``reseal`` changes nothing); how many."""
        with self.sessions.begin() as s:
            rows = s.scalars(select(InstallationRow)).all()
            for row in rows:
                row.data = reseal(row.data)
            return len(rows)

    def forget_workspace(
        self, key: str, enterprise_id: str | None, team_id: str | None
    ) -> tuple[int, int]:
        """Delete a workspace's installation (stored under ``key``), or an org's and its
        workspaces', and its subscriptions and deliveries, in one transaction; (installations,
        subscriptions) deleted."""
        with self.sessions.begin() as s:
            conds = [InstallationRow.workspace_key == key]
            if enterprise_id and not team_id:
                conds.append(InstallationRow.enterprise_id == enterprise_id)
            gone = _rowcount(s.execute(delete(InstallationRow).where(or_(*conds))))
            subs = _delete_subscriptions(
                s,
                Subscription.team_id == team_id
                if team_id
                else Subscription.enterprise_id == enterprise_id,
            )
        return gone, subs

    # --- OAuth states -----------------------------------------------------------------------

    def add_state(self, state: str, expires_at: datetime, now: datetime) -> None:
        """Keep an OAuth ``state`` until ``expires_at`` (and drop the ones expired by ``now``)."""
        with self.sessions.begin() as s:
            s.execute(delete(OAuthState).where(OAuthState.expires_at < now))
            s.add(OAuthState(state=state, expires_at=expires_at))

    def take_state(self, state: str, now: datetime) -> bool:
        """Use up an OAuth ``state``: whether it was kept and had not expired by ``now``."""
        with self.sessions.begin() as s:
            row = s.get(OAuthState, state)
            if row is None:
                return False
            s.delete(row)
            return row.expires_at >= now
