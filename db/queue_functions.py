"""Server-side queue functions for PostgreSQL (schema version 10).

On PostgreSQL every statement is a network round trip, and the day
counter's row lock is held until commit. Taking a ticket and calling the
next one are therefore each ONE function call (one round trip, one
transaction when called outside ``atomic()``):

``kiosk_take_ticket(day, prefix, resident_id, priority, now, terminal, staff_id, hall)``
    the same numbering statement as the Python path (``INSERT … SELECT …
    WHERE active ON CONFLICT DO UPDATE … RETURNING``, so the unique index on
    ``ticket(day, prefix, number)`` and the row lock still guarantee no
    duplicate), the ticket, its "take" event and the ``pg_notify`` of
    :mod:`db.notify`; then, read in the same call, the category row, people
    ahead, the mean of the last 10 service times and the active counters,
    from which Python computes the wait exactly as the SQLite path does.
    No row when the category is unknown or switched off.
``kiosk_call_next(day, counter, prefixes, staff_id, now, hall, terminal)``
    refuses when the counter still has a called/serving ticket (outcome
    ``busy``), picks the first waiting ticket of ``prefixes`` (priority, then
    queue order) with ``FOR UPDATE SKIP LOCKED``, claims it with the guarded
    update (``… AND status = 'waiting'``), writes its "call" event and
    notifies; outcome ``called`` with the ticket and its resident's name, or
    ``empty``. The audit entry (an HMAC chain whose key never reaches the
    server) is appended by Python in the same transaction.

SQLite keeps the Python path (no network, one writer at a time).
"""

from __future__ import annotations

import peewee

TAKE_TICKET = """
CREATE OR REPLACE FUNCTION kiosk_take_ticket(
    p_day date, p_prefix text, p_resident integer, p_priority boolean, p_now timestamp,
    p_terminal text, p_staff integer, p_hall text)
RETURNS TABLE (ticket_id integer, number integer, code text, priority boolean, ahead bigint,
               recent_seconds double precision, counters json, name_zh text, name_en text,
               category_counters text, service_minutes integer)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
    v_number integer;
    v_priority boolean;
    v_id integer;
    v_code text;
    v_cat queue_category%ROWTYPE;
BEGIN
    INSERT INTO day_counter (day, prefix, last)
        SELECT p_day, c.prefix, 1 FROM queue_category c WHERE c.prefix = p_prefix AND c.active
    ON CONFLICT (day, prefix) DO UPDATE SET last = day_counter.last + 1
    RETURNING day_counter.last INTO v_number;
    IF v_number IS NULL THEN
        RETURN;  -- unknown or switched off: Python names the categories that exist
    END IF;
    SELECT * INTO v_cat FROM queue_category c WHERE c.prefix = p_prefix;
    v_priority := p_priority OR v_cat.priority;
    v_code := p_prefix || CASE WHEN v_number < 1000 THEN lpad(v_number::text, 3, '0') ELSE v_number::text END;
    INSERT INTO ticket (day, prefix, number, code, resident_id, priority, status, queue_key, taken_at,
                        terminal, call_count)
        VALUES (p_day, p_prefix, v_number, v_code, p_resident, v_priority, 'waiting', p_now, p_now,
                p_terminal, 0)
        RETURNING ticket.id INTO v_id;
    INSERT INTO ticket_event (ticket_id, action, counter, staff_id, note, created_at)
        VALUES (v_id, 'take', NULL, p_staff, CASE WHEN v_priority THEN 'priority' ELSE '' END, p_now);
    PERFORM pg_notify('kiosk_queue:' || current_schema(),
                      json_build_object('hall', left(p_hall, 40), 'terminal', left(p_terminal, 20),
                                        'category', p_prefix, 'event', 'take', 'counter', NULL,
                                        'code', v_code)::text);
    ticket_id := v_id;
    number := v_number;
    code := v_code;
    priority := v_priority;
    name_zh := v_cat.name_zh;
    name_en := v_cat.name_en;
    category_counters := v_cat.counters;
    service_minutes := v_cat.service_minutes;
    SELECT count(*) INTO ahead FROM ticket t
        WHERE t.day = p_day AND t.prefix = p_prefix AND t.status = 'waiting' AND t.id <> v_id
          AND CASE WHEN v_priority
                   THEN t.priority AND (t.queue_key < p_now OR (t.queue_key = p_now AND t.id < v_id))
                   ELSE t.priority OR t.queue_key < p_now OR (t.queue_key = p_now AND t.id < v_id) END;
    IF ahead > 0 THEN
        SELECT avg(r.s) INTO recent_seconds FROM (
            SELECT extract(epoch FROM t.finished_at - t.started_at)::double precision AS s FROM ticket t
            WHERE t.day = p_day AND t.prefix = p_prefix AND t.status = 'done'
              AND t.started_at IS NOT NULL AND t.finished_at IS NOT NULL
            ORDER BY t.finished_at DESC LIMIT 10) r
        WHERE r.s > 0;
        SELECT json_agg(json_build_array(k.number, k.categories)) INTO counters FROM counter k WHERE k.active;
    END IF;
    RETURN NEXT;
END
$fn$;
"""

CALL_NEXT = """
CREATE OR REPLACE FUNCTION kiosk_call_next(
    p_day date, p_counter integer, p_prefixes text[], p_staff integer, p_now timestamp,
    p_hall text, p_terminal text)
RETURNS TABLE (outcome text, id integer, code text, prefix text, status text, priority boolean,
               taken_at timestamp, called_at timestamp, started_at timestamp, call_count integer,
               resident_name text)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
    v_busy ticket%ROWTYPE;
    v_id integer;
    v_row ticket%ROWTYPE;
BEGIN
    SELECT * INTO v_busy FROM ticket t
        WHERE t.day = p_day AND t.counter = p_counter AND t.status IN ('called', 'serving')
        ORDER BY t.called_at DESC, t.id DESC LIMIT 1;
    IF FOUND THEN
        outcome := 'busy'; id := v_busy.id; code := v_busy.code; status := v_busy.status;
        RETURN NEXT;
        RETURN;
    END IF;
    FOR attempt IN 1..20 LOOP
        SELECT t.id INTO v_id FROM ticket t
            WHERE t.day = p_day AND t.status = 'waiting' AND t.prefix = ANY(p_prefixes)
            ORDER BY t.priority DESC, t.queue_key, t.id LIMIT 1
            FOR UPDATE SKIP LOCKED;
        IF v_id IS NULL THEN
            outcome := 'empty';
            RETURN NEXT;
            RETURN;
        END IF;
        UPDATE ticket t SET status = 'called', counter = p_counter, staff_id = p_staff, called_at = p_now,
                            started_at = NULL, call_count = t.call_count + 1
            WHERE t.id = v_id AND t.status = 'waiting'
            RETURNING t.* INTO v_row;
        EXIT WHEN FOUND;
        v_id := NULL;
    END LOOP;
    IF v_row.id IS NULL THEN
        outcome := 'retry';
        RETURN NEXT;
        RETURN;
    END IF;
    INSERT INTO ticket_event (ticket_id, action, counter, staff_id, note, created_at)
        VALUES (v_row.id, 'call', p_counter, p_staff, '', p_now);
    PERFORM pg_notify('kiosk_queue:' || current_schema(),
                      json_build_object('hall', left(p_hall, 40), 'terminal', left(p_terminal, 20),
                                        'category', v_row.prefix, 'event', 'call', 'counter', p_counter,
                                        'code', v_row.code)::text);
    outcome := 'called'; id := v_row.id; code := v_row.code; prefix := v_row.prefix; status := v_row.status;
    priority := v_row.priority; taken_at := v_row.taken_at; called_at := v_row.called_at;
    started_at := v_row.started_at; call_count := v_row.call_count;
    SELECT r.name INTO resident_name FROM resident r WHERE r.id = v_row.resident_id;
    RETURN NEXT;
END
$fn$;
"""


def create_queue_functions(database: peewee.Database) -> None:
    """CREATE OR REPLACE the queue functions in the current schema (PostgreSQL only)."""
    if isinstance(database, peewee.SqliteDatabase):
        return
    # Straight to the driver without parameters: psycopg would read "%ROWTYPE" as a placeholder.
    connection = database.connection()
    for statement in (TAKE_TICKET, CALL_NEXT):
        connection.execute(statement)
