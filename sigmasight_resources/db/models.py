"""Typed SQLAlchemy models of the results database (reference data; results live in results.py)."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Double,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from sigmasight_resources.vocabulary import InvestmentClass

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The token stops working after this instant (None: no expiry) or once revoked.
    token_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    token_revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    portfolios: Mapped[list["Portfolio"]] = relationship(back_populates="owner")


class Portfolio(Base):
    __tablename__ = "portfolios"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Capital at inception: the cash account starts here. None: every entry is funded by a
    # contribution of its cost (docs/ANALYTICS.md, "Capital").
    inception_equity: Mapped[float | None] = mapped_column(Double)
    # The symbol tracking error is measured against; None: SPY (DEFAULT_BENCHMARK).
    benchmark: Mapped[str | None] = mapped_column(String(32))

    owner: Mapped[User] = relationship(back_populates="portfolios")
    positions: Mapped[list["Position"]] = relationship(
        back_populates="portfolio", cascade="all, delete-orphan", order_by="Position.id"
    )
    cash_flows: Mapped[list["CashFlow"]] = relationship(
        back_populates="portfolio", cascade="all, delete-orphan", order_by="CashFlow.id"
    )


class Position(Base):
    __tablename__ = "positions"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("portfolios.id", ondelete="CASCADE"), index=True)
    symbol: Mapped[str] = mapped_column(String(32))
    investment_class: Mapped[InvestmentClass] = mapped_column(
        Enum(InvestmentClass, name="investment_class", native_enum=False, length=16)
    )
    quantity: Mapped[float] = mapped_column(Double)
    entry_price: Mapped[float] = mapped_column(Double)
    entry_date: Mapped[date] = mapped_column(Date)
    exit_price: Mapped[float | None] = mapped_column(Double)
    exit_date: Mapped[date | None] = mapped_column(Date)
    underlying: Mapped[str | None] = mapped_column(String(16))
    option_type: Mapped[str | None] = mapped_column(String(1))
    strike: Mapped[float | None] = mapped_column(Double)
    expiry: Mapped[date | None] = mapped_column(Date)

    portfolio: Mapped[Portfolio] = relationship(back_populates="positions")
    marks: Mapped[list["ManualMark"]] = relationship(cascade="all, delete-orphan")


class CashFlow(Base):
    """An external flow into (deposit, > 0) or out of (withdrawal, < 0) a portfolio's cash on a date."""

    __tablename__ = "cash_flows"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("portfolios.id", ondelete="CASCADE"), index=True)
    flow_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[float] = mapped_column(Double)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    portfolio: Mapped[Portfolio] = relationship(back_populates="cash_flows")


class ManualMark(Base):
    """A valuation of a private position on a date, entered by hand."""

    __tablename__ = "manual_marks"
    __table_args__ = (UniqueConstraint("position_id", "mark_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id", ondelete="CASCADE"), index=True)
    mark_date: Mapped[date] = mapped_column(Date)
    price: Mapped[float] = mapped_column(Double)


class MarketPrice(Base):
    __tablename__ = "market_prices"
    __table_args__ = (Index("ix_market_prices_date", "date"),)

    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    date: Mapped[date] = mapped_column(Date, primary_key=True)
    close: Mapped[float] = mapped_column(Double)
    source: Mapped[str] = mapped_column(String(32))
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UnavailableSymbol(Base):
    __tablename__ = "unavailable_symbols"

    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the vendor's latest empty answer
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # its first, kept while re-checks stay empty


class AuditEntry(Base):
    """Who asked for a launch, cancel, amendment or token/symbol change, and when; never updated or deleted."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_action", "action"),
        Index("ix_audit_log_actor_id", "actor_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The SigmaSight user who asked; None for a CLI command run without --as (then `actor` is os:<login>).
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(320))
    source: Mapped[str] = mapped_column(String(16))  # api | cli
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict] = mapped_column(JSON)


class PriceCorrection(Base):
    """Stored closes of a symbol the vendor revised, found by `market_prices` re-fetching recent sessions.

    `reason` is `correction` (changed closes replaced) or `split` (a split or re-adjusted history: the
    whole stored history re-fetched). The close sensor re-materializes the days from `first_date` for
    the portfolios holding the symbol; `handled` once their stale results are deleted (`portfolio_ids`).
    """

    __tablename__ = "price_corrections"
    __table_args__ = (Index("ix_price_corrections_handled", "handled"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    symbol: Mapped[str] = mapped_column(String(32))
    first_date: Mapped[date] = mapped_column(Date)  # the earliest close that changed
    last_date: Mapped[date] = mapped_column(Date)  # the detecting run's last day: days re-materialized up to it
    reason: Mapped[str] = mapped_column(String(16))
    closes_changed: Mapped[int] = mapped_column(Integer)
    detected_run_id: Mapped[str] = mapped_column(String(64))
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    handled: Mapped[bool] = mapped_column(Boolean, default=False)
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    portfolio_ids: Mapped[list | None] = mapped_column(JSON)  # the holding portfolios whose results were deleted
